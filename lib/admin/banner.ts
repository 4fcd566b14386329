// Event banners as stored: an upload (JPEG, PNG or WebP, checked by lib/uploads.ts) decoded,
// scaled down to at most BANNER_MAX_WIDTH × BANNER_MAX_HEIGHT keeping its proportions, and
// encoded as WebP. Pure JavaScript and WebAssembly from npm (imagescript decodes JPEG and PNG
// and encodes WebP; @jsquash/webp decodes WebP), so nothing native is downloaded.
import { Image } from "imagescript";
import decodeWebp from "@jsquash/webp/decode";
import type { ImageInfo } from "../uploads.ts";

export const BANNER_MAX_WIDTH = 1600;
export const BANNER_MAX_HEIGHT = 1000;
export const BANNER_MIN_WIDTH = 600;
/** Larger images are refused before decoding (a small file can hold a huge bitmap). */
export const BANNER_MAX_PIXELS = 40_000_000;

export interface Banner {
  bytes: Uint8Array<ArrayBuffer>;
  info: ImageInfo;
}

/** The banner to store, or a message a person understands when the image does not fit. */
export async function resizeBanner(
  bytes: Uint8Array<ArrayBuffer>,
  info: ImageInfo,
): Promise<Banner | string> {
  if (info.width < BANNER_MIN_WIDTH) {
    return `The image is ${info.width} pixels wide; a banner needs at least ${BANNER_MIN_WIDTH}`;
  }
  if (info.width * info.height > BANNER_MAX_PIXELS) {
    return `The image is ${info.width}×${info.height} pixels; at most ${
      BANNER_MAX_PIXELS / 1e6
    } million pixels`;
  }
  let image: Image;
  try {
    if (info.type === "image/webp") {
      const data = await decodeWebp(bytes.buffer);
      image = new Image(data.width, data.height);
      image.bitmap.set(data.data);
    } else {
      image = await Image.decode(bytes);
    }
  } catch {
    return "The image could not be read; save it again as JPEG, PNG or WebP";
  }
  const scale = Math.min(1, BANNER_MAX_WIDTH / image.width, BANNER_MAX_HEIGHT / image.height);
  if (scale < 1) {
    image.resize(
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
    );
  }
  const out = await image.encodeWEBP(80);
  return {
    bytes: new Uint8Array(out),
    info: { type: "image/webp", ext: "webp", width: image.width, height: image.height },
  };
}
