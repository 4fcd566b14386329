// QR codes for tickets, drawn on the server: an SVG (black on white, 4-module quiet zone,
// medium error correction) for pages, and the module matrix for the PDF.
// @ts-types="npm:@types/qrcode@1.5.5"
import QRCode from "qrcode";

/** An SVG QR code of `text` that scales to its container (crisp edges, no anti-aliasing). */
export async function qrSvg(text: string, options: { title?: string } = {}): Promise<string> {
  const svg: string = await QRCode.toString(text, {
    type: "svg",
    errorCorrectionLevel: "M",
    margin: 4,
    color: { dark: "#000000", light: "#ffffff" },
  });
  const title = options.title ? `<title>${escapeXml(options.title)}</title>` : "";
  return svg.replace(
    "<svg ",
    `<svg role="img" shape-rendering="crispEdges" width="100%" height="100%" `,
  ).replace(/(<svg[^>]*>)/, `$1${title}`);
}

/** The dark modules of `text`'s QR code: size × size booleans, row by row (no quiet zone). */
export function qrModules(text: string): { size: number; dark: (x: number, y: number) => boolean } {
  const qr = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size: number = qr.modules.size;
  return { size, dark: (x, y) => Boolean(qr.modules.get(y, x)) };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
