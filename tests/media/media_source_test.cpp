// Base64, data: URIs and load_media_bytes' handling of paths, file:// URIs and policies.
#include <gtest/gtest.h>

#include <unistd.h>

#include "core/file.h"
#include "media/base64.h"
#include "media/media_source.h"
#include "support/fixtures.h"

namespace internvl::media {
namespace {

std::string encode_base64(std::string_view bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8) | std::uint8_t(bytes[i + 2]);
    for (int k = 3; k >= 0; --k) out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
  }
  if (i + 1 == bytes.size()) {
    const std::uint32_t v = std::uint8_t(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const std::uint32_t v = (std::uint8_t(bytes[i]) << 16) | (std::uint8_t(bytes[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

std::string tiny_png() {
  auto r = read_file(test::fixture_path("images/tiny_64x48.png"));
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : std::string();
}

TEST(Base64, KnownVectors) {
  const std::pair<const char*, const char*> cases[] = {
      {"", ""}, {"Zg==", "f"}, {"Zm8=", "fo"}, {"Zm9v", "foo"}, {"Zm9vYg==", "foob"},
      {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
      {"Zm9vYg", "foob"},                 // padding may be omitted
      {" Zm9v\r\nYmFy\n", "foobar"},      // MIME line breaks
      {"-_8=", "\xFB\xFF"},               // URL-safe alphabet
      {"+/8=", "\xFB\xFF"},
  };
  for (const auto& [in, want] : cases) {
    auto r = decode_base64(in);
    ASSERT_TRUE(r.ok()) << in << ": " << r.status().to_string();
    EXPECT_EQ(*r, want) << in;
  }
}

TEST(Base64, BadCharactersAndPadding) {
  const char* bad[] = {"Zm9v*", "Zm9v=", "Zg=", "Zg===", "Z", "Zg==Zg==", "Zm9v Y", "-+8=",
                       "Zm\x80v", "=Zm9"};
  for (const char* in : bad) {
    auto r = decode_base64(in);
    EXPECT_FALSE(r.ok()) << in;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    }
  }
  auto r = decode_base64("Zm9v%Ym");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'%' at offset 4"), std::string::npos) << r.status().message();
}

TEST(DataUri, Base64AndPercentEncoded) {
  std::string mime;
  auto a = decode_data_uri("data:image/png;base64,Zm9vYmFy", &mime);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(*a, "foobar");
  EXPECT_EQ(mime, "image/png");
  auto b = decode_data_uri("DATA:Image/PNG;BASE64,Zm9v", &mime);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "foo");
  EXPECT_EQ(mime, "image/png");
  auto c = decode_data_uri("data:,Hello%2C%20World", &mime);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, "Hello, World");
  EXPECT_EQ(mime, "text/plain");
  // Percent-encoded base64 is decoded first: "Zm9v=" has padding after a complete group.
  EXPECT_FALSE(decode_data_uri("data:image/jpeg;name=x.jpg;base64,Zm9v%3D", &mime).ok());
  auto e = decode_data_uri("data:image/png;charset=x;base64,Zm8%3D", &mime);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  EXPECT_EQ(*e, "fo");
  EXPECT_EQ(mime, "image/png");
}

TEST(DataUri, Errors) {
  EXPECT_FALSE(decode_data_uri("data:image/png;base64").ok());          // no comma
  EXPECT_FALSE(decode_data_uri("data:image/png;base64,Zm9v!").ok());    // bad character
  EXPECT_FALSE(decode_data_uri("data:image/png;base64,Zg=").ok());      // bad padding
  EXPECT_FALSE(decode_data_uri("data:,%4").ok());                       // bad escape
  EXPECT_FALSE(decode_data_uri("image/png;base64,Zm9v").ok());          // not a data URI
}

TEST(MediaSource, DataUriAndBareBase64Images) {
  const std::string png = tiny_png();
  const std::string b64 = encode_base64(png);
  auto a = load_image("data:image/png;base64," + b64);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ(a->width, 64);
  EXPECT_EQ(a->height, 48);
  auto b = load_image(b64);  // Transformers' load_image also takes bare base64
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(b->rgb8, a->rgb8);
  // The MIME type does not decide the format; the bytes do.
  EXPECT_TRUE(load_image("data:image/jpeg;base64," + b64).ok());
  auto bad = load_image("data:image/png;base64," + b64.substr(0, b64.size() - 1));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("data:image/png;base64"), std::string::npos)
      << bad.status().message();
  auto text = load_image("data:text/plain;base64,aGVsbG8gd29ybGQ=");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kUnsupported);
}

TEST(MediaSource, PathsAndFileUris) {
  const std::string path = test::fixture_path("images/tiny_64x48.png");
  auto a = load_image(path);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  auto b = load_image("file://" + path);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  EXPECT_EQ(a->rgb8, b->rgb8);
  auto c = load_image("file://localhost" + path);
  EXPECT_TRUE(c.ok());
  EXPECT_FALSE(load_image("file://example.com" + path).ok());
  auto missing = load_image("/nonexistent/dir/picture.png");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("/nonexistent/dir/picture.png"), std::string::npos);
  auto scheme = load_media_bytes("ftp://example.com/a.png", {});
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.status().message().find("ftp://example.com/a.png"), std::string::npos);
  EXPECT_FALSE(load_media_bytes("", {}).ok());
}

TEST(MediaSource, Policies) {
  const std::string dir = test::make_temp_dir("media-root");
  const std::string inside = path_join(dir, "in.png");
  ASSERT_TRUE(write_file(inside, tiny_png()).ok());
  MediaSourceOptions rooted;
  rooted.file_root = dir;
  EXPECT_TRUE(load_image(inside, rooted).ok());
  EXPECT_TRUE(load_image("in.png", rooted).ok());  // relative paths are taken under the root
  EXPECT_TRUE(load_image("file://" + inside, rooted).ok());
  auto outside = load_image(test::fixture_path("images/tiny_64x48.png"), rooted);
  ASSERT_FALSE(outside.ok());
  EXPECT_NE(outside.status().message().find("outside"), std::string::npos);
  auto dotdot = load_media_bytes(dir + "/../../../../../../../etc/passwd", rooted);
  ASSERT_FALSE(dotdot.ok());
  EXPECT_NE(dotdot.status().message().find("outside"), std::string::npos);
  // A symbolic link inside the root that points outside is refused.
  const std::string link = path_join(dir, "escape.png");
  ASSERT_EQ(::symlink(test::fixture_path("images/tiny_64x48.png").c_str(), link.c_str()), 0);
  EXPECT_FALSE(load_image(link, rooted).ok());

  MediaSourceOptions no_files;
  no_files.allow_files = false;
  auto refused = load_image(inside, no_files);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(load_image("file://" + inside, no_files).ok());
  EXPECT_TRUE(load_image("data:image/png;base64," + encode_base64(tiny_png()), no_files).ok());

  MediaSourceOptions no_urls;
  no_urls.allow_urls = false;
  auto url = load_media_bytes("https://example.com/x.png?token=secret", no_urls);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(url.status().message().find("secret"), std::string::npos) << url.status().message();

  MediaSourceOptions small;
  small.max_bytes = 100;
  auto big = load_media_bytes(inside, small);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(load_media_bytes("data:image/png;base64," + encode_base64(tiny_png()), small).ok());
}

}  // namespace
}  // namespace internvl::media
