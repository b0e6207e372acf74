// fetch_url against a loopback HTTP server (cpp-httplib on a random port): the address check,
// redirects, size and time limits, HTTP errors; plus the address classification table.
#include <gtest/gtest.h>

#include <httplib.h>

#include <chrono>
#include <memory>
#include <thread>

#include "core/file.h"
#include "media/fetch.h"
#include "media/media_source.h"
#include "support/fixtures.h"

namespace internvl::media {
namespace {

class FetchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    png_ = new std::string(*read_file(test::fixture_path("images/tiny_64x48.png")));
    server_ = new httplib::Server();
    server_->Get("/img.png", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(*png_, "image/png");
    });
    server_->Get(R"(/hop/(\d+))", [](const httplib::Request& req, httplib::Response& res) {
      const int n = std::stoi(req.matches[1]);
      res.set_redirect(n == 0 ? "/img.png" : "/hop/" + std::to_string(n - 1));
    });
    server_->Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(1 << 20, 'x'), "application/octet-stream");
    });
    // No Content-Length: only the running byte count can stop this one.
    server_->Get("/stream", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("application/octet-stream",
                                       [](size_t offset, httplib::DataSink& sink) {
                                         if (offset >= (4u << 20)) {
                                           sink.done();
                                           return true;
                                         }
                                         const std::string block(64 * 1024, 'y');
                                         return sink.write(block.data(), block.size());
                                       });
    });
    server_->Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1500));
      res.set_content("late", "text/plain");
    });
    server_->Get("/text", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("this is not an image", "text/plain");
    });
    server_->Get("/to-ftp", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("ftp://127.0.0.1/x.png");
    });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = new std::thread([] { server_->listen_after_bind(); });
    for (int i = 0; i < 200 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  static void TearDownTestSuite() {
    server_->stop();
    thread_->join();
    delete thread_;
    delete server_;
    delete png_;
  }

  static std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  static FetchOptions allowed() {
    FetchOptions o;
    o.allow_private_addresses = true;
    return o;
  }

  static inline httplib::Server* server_ = nullptr;
  static inline std::thread* thread_ = nullptr;
  static inline std::string* png_ = nullptr;
  static inline int port_ = 0;
};

TEST_F(FetchTest, LoopbackIsRefusedWithoutTheFlag) {
  for (const std::string& host : {std::string("127.0.0.1"), std::string("localhost")}) {
    auto r = fetch_url("http://" + host + ":" + std::to_string(port_) + "/img.png", FetchOptions{});
    ASSERT_FALSE(r.ok()) << host;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("loopback"), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find("/img.png"), std::string::npos);
  }
  auto ok = fetch_url(url("/img.png"), allowed());
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ(*ok, *png_);
}

TEST_F(FetchTest, RedirectsUpToTheLimit) {
  auto three = fetch_url(url("/hop/2"), allowed());  // /hop/2 -> /hop/1 -> /hop/0 -> /img.png
  ASSERT_TRUE(three.ok()) << three.status().to_string();
  EXPECT_EQ(*three, *png_);
  auto four = fetch_url(url("/hop/3"), allowed());
  ASSERT_FALSE(four.ok());
  EXPECT_NE(four.status().message().find("redirects"), std::string::npos) << four.status().message();
  FetchOptions none = allowed();
  none.max_redirects = 0;
  EXPECT_FALSE(fetch_url(url("/hop/0"), none).ok());
  auto ftp = fetch_url(url("/to-ftp"), allowed());
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(FetchTest, SizeLimitStopsTheTransfer) {
  FetchOptions small = allowed();
  small.max_bytes = 1000;
  for (const char* path : {"/big", "/stream"}) {
    auto r = fetch_url(url(path), small);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange) << r.status().to_string();
    EXPECT_NE(r.status().message().find("1000"), std::string::npos);
  }
  small.max_bytes = 8u << 20;
  auto whole = fetch_url(url("/stream"), small);
  ASSERT_TRUE(whole.ok()) << whole.status().to_string();
  EXPECT_EQ(whole->size(), 4u << 20);
}

TEST_F(FetchTest, TimeoutIsAnError) {
  FetchOptions quick = allowed();
  quick.total_timeout_ms = 300;
  const auto start = std::chrono::steady_clock::now();
  auto r = fetch_url(url("/slow"), quick);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start).count();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos) << r.status().message();
  EXPECT_LT(ms, 1200);
}

TEST_F(FetchTest, HttpErrorsAndNonImages) {
  auto missing = fetch_url(url("/nothing-here"), allowed());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("404"), std::string::npos);
  MediaSourceOptions opts;
  opts.fetch = allowed();
  auto text = load_image(url("/text?sig=abc"), opts);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(text.status().message().find("/text"), std::string::npos) << text.status().message();
  EXPECT_EQ(text.status().message().find("sig=abc"), std::string::npos);  // query redacted
  auto image = load_image(url("/hop/1"), opts);
  ASSERT_TRUE(image.ok()) << image.status().to_string();
  EXPECT_EQ(image->width, 64);
  // Nothing listens on port 1.
  EXPECT_FALSE(fetch_url("http://127.0.0.1:1/x", allowed()).ok());
}

TEST(Fetch, OnlyHttpAndHttps) {
  for (const char* u : {"ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/", "no-scheme"}) {
    auto r = fetch_url(u, FetchOptions{});
    ASSERT_FALSE(r.ok()) << u;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << u;
  }
}

TEST(Fetch, AddressClassification) {
  const char* refused[] = {
      "0.0.0.0", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1", "127.255.0.9",
      "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.168.1.1", "224.0.0.1",
      "239.255.255.250", "255.255.255.255", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1",
      "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::127.0.0.1",
      "64:ff9b::a00:1", "2002:c0a8:0101::1", "fec0::1"};
  for (const char* ip : refused) EXPECT_NE(non_public_address_reason(ip), "") << ip;
  const char* allowed[] = {"8.8.8.8", "1.1.1.1", "100.63.255.255", "100.128.0.0", "172.15.255.255",
                           "172.32.0.0", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8",
                           "2002:0808:0808::1", "64:ff9b::808:808"};
  for (const char* ip : allowed) EXPECT_EQ(non_public_address_reason(ip), "") << ip;
  EXPECT_EQ(non_public_address_reason("example.com"), "");
}

TEST(Fetch, RedactsSecretsFromMessages) {
  EXPECT_EQ(redact_url("https://user:pass@example.com/a/b.png?token=1#frag"),
            "https://example.com/a/b.png");
  EXPECT_EQ(redact_url("http://example.com"), "http://example.com");
}

}  // namespace
}  // namespace internvl::media
