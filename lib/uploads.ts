// Banner uploads: at most 2 MB, JPEG, PNG or WebP recognised by their magic bytes (the
// browser's content type and the file name are not trusted), width and height read from
// the file's own header. Stored content-addressed under .data/uploads/; banners are first
// scaled down and re-encoded as WebP by lib/admin/banner.ts.
import { projectRoot } from "./config.ts";

export const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

export interface ImageInfo {
  type: "image/jpeg" | "image/png" | "image/webp";
  ext: "jpg" | "png" | "webp";
  width: number;
  height: number;
}

export function uploadsDir(): string {
  return Deno.env.get("MUTAMBO_UPLOADS_DIR") ?? `${projectRoot}.data/uploads`;
}

/** The image's type and size, or an error message a person understands. */
export function inspectImage(bytes: Uint8Array): ImageInfo | string {
  if (bytes.length === 0) return "The file is empty";
  if (bytes.length > MAX_UPLOAD_BYTES) {
    return `The image is ${(bytes.length / 1048576).toFixed(1)} MB; the limit is 2 MB`;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ascii = (from: number, to: number) => String.fromCharCode(...bytes.subarray(from, to));
  if (bytes.length > 24 && ascii(1, 4) === "PNG" && bytes[0] === 0x89 && ascii(12, 16) === "IHDR") {
    return { type: "image/png", ext: "png", width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length > 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    let i = 2;
    while (i + 9 < bytes.length) {
      if (bytes[i] !== 0xff) return "The JPEG file is damaged";
      const marker = bytes[i + 1]!;
      const length = view.getUint16(i + 2);
      // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
      if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
        return {
          type: "image/jpeg",
          ext: "jpg",
          height: view.getUint16(i + 5),
          width: view.getUint16(i + 7),
        };
      }
      i += 2 + length;
    }
    return "The JPEG file has no image size";
  }
  if (bytes.length > 30 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") {
    const chunk = ascii(12, 16);
    if (chunk === "VP8X") {
      const w = 1 + (bytes[24]! | bytes[25]! << 8 | bytes[26]! << 16);
      const h = 1 + (bytes[27]! | bytes[28]! << 8 | bytes[29]! << 16);
      return { type: "image/webp", ext: "webp", width: w, height: h };
    }
    if (chunk === "VP8 ") {
      return {
        type: "image/webp",
        ext: "webp",
        width: view.getUint16(26, true) & 0x3fff,
        height: view.getUint16(28, true) & 0x3fff,
      };
    }
    if (chunk === "VP8L") {
      const b = view.getUint32(21, true);
      return {
        type: "image/webp",
        ext: "webp",
        width: 1 + (b & 0x3fff),
        height: 1 + ((b >> 14) & 0x3fff),
      };
    }
    return "The WebP file is damaged";
  }
  return "Upload a JPEG, PNG or WebP image";
}

/** Stores the image under its SHA-256; returns the file name `<hash>-<w>x<h>.<ext>`. */
export async function storeImage(bytes: Uint8Array<ArrayBuffer>, info: ImageInfo): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hash = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  const name = `${hash}-${info.width}x${info.height}.${info.ext}`;
  await Deno.mkdir(uploadsDir(), { recursive: true });
  await Deno.writeFile(`${uploadsDir()}/${name}`, bytes);
  return name;
}

/** Width and height from a stored banner's name (for <img width height>). */
export function bannerSize(url: string | null): { width: number; height: number } | null {
  const m = url ? /-(\d+)x(\d+)\.(?:jpg|png|webp)$/.exec(url) : null;
  return m ? { width: Number(m[1]), height: Number(m[2]) } : null;
}

export const UPLOAD_NAME = /^[0-9a-f]{32}-\d+x\d+\.(jpg|png|webp)$/;
