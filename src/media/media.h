// Umbrella header for the media layer: still images, sources (path/URL/data URI), video.
#pragma once

#include "media/base64.h"        // decode_base64, decode_data_uri
#include "media/fetch.h"         // FetchOptions, fetch_url
#include "media/image_decode.h"  // ImageDecodeOptions, decode_image, load_image_file
#include "media/image_format.h"  // ImageFormat, detect_image_format
#include "media/media_source.h"  // MediaSourceOptions, load_media_bytes, load_image
#include "media/video.h"         // VideoInfo, probe_video, decode_video_frames
