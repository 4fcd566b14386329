// All tickets of an order as one PDF (pdf-lib): one ticket per A5 page, the QR code drawn as
// vector squares (sharp at any zoom or printer), with the event, place and attendee.
import { PDFDocument, type PDFPage, rgb, StandardFonts } from "pdf-lib";
import { qrModules } from "./qr.ts";

export interface PdfTicket {
  qr: string;
  eventName: string;
  when: string;
  venue: string;
  place: string;
  attendee: string | null;
  orderCode: string;
  ticketRef: string;
}

const A5: [number, number] = [419.53, 595.28];

function drawQr(page: PDFPage, text: string, x: number, y: number, width: number) {
  const { size, dark } = qrModules(text);
  const quiet = 4;
  const cell = width / (size + quiet * 2);
  page.drawRectangle({ x, y, width, height: width, color: rgb(1, 1, 1) });
  for (let row = 0; row < size; row++) {
    let run = -1;
    for (let col = 0; col <= size; col++) {
      const on = col < size && dark(col, row);
      if (on && run < 0) run = col;
      if (!on && run >= 0) {
        page.drawRectangle({
          x: x + (quiet + run) * cell,
          y: y + width - (quiet + row + 1) * cell,
          width: (col - run) * cell,
          height: cell,
          color: rgb(0, 0, 0),
        });
        run = -1;
      }
    }
  }
}

/** Only characters the standard PDF fonts can draw (WinAnsi). */
function plain(text: string): string {
  return text.replace(/[–—]/g, "-").replace(/[·•]/g, "-").replace(/[^\x20-\x7e\xa0-\xff]/g, "?");
}

export async function ticketsPdf(tickets: PdfTicket[], title: string): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(plain(title));
  doc.setProducer("Mutambo");
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  for (const [i, t] of tickets.entries()) {
    const page = doc.addPage(A5);
    const [w, h] = A5;
    const m = 28;
    page.drawText("MUTAMBO TICKET", {
      x: m,
      y: h - m - 10,
      size: 10,
      font: bold,
      color: rgb(0.3, 0.3, 0.3),
    });
    page.drawText(`${i + 1} of ${tickets.length}`, {
      x: w - m - 40,
      y: h - m - 10,
      size: 10,
      font: regular,
    });
    page.drawText(plain(t.eventName).slice(0, 40), { x: m, y: h - m - 36, size: 18, font: bold });
    page.drawText(plain(t.when), { x: m, y: h - m - 56, size: 11, font: regular });
    page.drawText(plain(t.venue).slice(0, 60), { x: m, y: h - m - 71, size: 11, font: regular });
    const qrSize = w - 2 * m - 40;
    drawQr(page, t.qr, m + 20, h - m - 90 - qrSize, qrSize);
    let y = h - m - 110 - qrSize;
    page.drawText(plain(t.place).slice(0, 50), { x: m, y, size: 14, font: bold });
    y -= 18;
    page.drawText(plain(t.attendee ? `Name: ${t.attendee}` : "Name: not given").slice(0, 60), {
      x: m,
      y,
      size: 11,
      font: regular,
    });
    y -= 16;
    page.drawText(plain(`Order ${t.orderCode} - ticket ${t.ticketRef}`), {
      x: m,
      y,
      size: 9,
      font: regular,
    });
  }
  return await doc.save();
}
