// Small real files of every allowed type, built in memory. Images are real (sharp encodes
// them). ffmpeg is not available, so the audio/video fixtures are minimal containers: the
// headers a demuxer (and file-type's magic-byte sniffing) looks at, with no real frames.
// That is enough here because the server only sniffs audio/video, it never decodes them.
import sharp from "sharp";

export type ImageFormat = "jpeg" | "png" | "webp" | "gif";

/** A solid-colour image; `exif` embeds a marker so tests can check metadata is stripped. */
export async function image(format: ImageFormat, opts: { width?: number; height?: number; exif?: string } = {}): Promise<Buffer> {
  let img = sharp({ create: { width: opts.width ?? 64, height: opts.height ?? 48, channels: 3, background: "#c03030" } });
  if (opts.exif) img = img.withMetadata({ exif: { IFD0: { Copyright: opts.exif } } });
  return img.toFormat(format).toBuffer();
}

/** A two-frame animated GIF (frames differ, or the encoder merges them). */
export async function animatedGif(): Promise<Buffer> {
  const raw = Buffer.alloc(40 * 60 * 4, 0xff);
  raw.fill(0x20, 0, 40 * 30 * 4);
  return sharp(raw, { raw: { width: 40, height: 60, channels: 4, pageHeight: 30 } }).gif({ delay: [100, 100] }).toBuffer();
}

/** A one-page PDF with a valid cross-reference table, written by hand. */
export function pdf(): Buffer {
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(body));
    body += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xref = Buffer.byteLength(body);
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) body += `${String(off).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, "latin1");
}

/** A real PCM WAV: 16-bit mono at 8 kHz, a tenth of a second of a square wave. */
export function wav(samples = 800): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(i % 20 < 10 ? 8000 : -8000, i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "ascii");
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8, "ascii");
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24); // sample rate
  header.writeUInt32LE(16000, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write("data", 36, "ascii");
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** An ID3v2 tag followed by MPEG-1 Layer III frame headers (silent frames). */
export function mp3(): Buffer {
  const id3 = Buffer.from([0x49, 0x44, 0x33, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]); // "ID3", v2.3, empty tag
  const frame = Buffer.alloc(417); // 128 kbit/s, 44.1 kHz: 417-byte frames
  frame.set([0xff, 0xfb, 0x90, 0x00]);
  return Buffer.concat([id3, frame, frame, frame]);
}

/** One Ogg page carrying an identification header: "OpusHead" (opus) or "\x01vorbis". */
export function ogg(codec: "opus" | "vorbis" = "opus"): Buffer {
  const packet = codec === "opus"
    ? Buffer.concat([Buffer.from("OpusHead", "ascii"), Buffer.from([1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0])])
    : Buffer.concat([Buffer.from([1]), Buffer.from("vorbis", "ascii"), Buffer.alloc(23)]);
  const page = Buffer.alloc(27);
  page.write("OggS", 0, "ascii");
  page[5] = 0x02; // beginning of stream
  page.writeUInt32LE(1, 14); // stream serial number
  page[26] = 1; // one segment
  return Buffer.concat([page, Buffer.from([packet.length]), packet]);
}

function box(type: string, payload: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + payload.length, 0);
  head.write(type, 4, "ascii");
  return Buffer.concat([head, payload]);
}

/** An ISO-BMFF file: `ftyp` with the given major brand ("isom" = mp4 video, "M4A " = m4a), an empty `moov` and `mdat`. */
export function isoBmff(brand: "isom" | "M4A "): Buffer {
  const ftyp = box("ftyp", Buffer.concat([Buffer.from(brand, "ascii"), Buffer.from([0, 0, 2, 0]), Buffer.from(`${brand}iso2mp41`, "ascii")]));
  return Buffer.concat([ftyp, box("moov", Buffer.alloc(0)), box("mdat", Buffer.alloc(64))]);
}

function ebml(id: number[], payload: Buffer): Buffer {
  // Sizes below 127 fit the one-byte EBML varint (0x80 | size).
  if (payload.length > 126) throw new Error("fixture element too large");
  return Buffer.concat([Buffer.from(id), Buffer.from([0x80 | payload.length]), payload]);
}

/** A WebM file: EBML header with DocType "webm" and an empty Segment. */
export function webm(): Buffer {
  const header = ebml([0x1a, 0x45, 0xdf, 0xa3], Buffer.concat([
    ebml([0x42, 0x86], Buffer.from([1])), // EBMLVersion
    ebml([0x42, 0xf7], Buffer.from([1])), // EBMLReadVersion
    ebml([0x42, 0x82], Buffer.from("webm", "ascii")), // DocType
    ebml([0x42, 0x87], Buffer.from([4])), // DocTypeVersion
    ebml([0x42, 0x85], Buffer.from([2])), // DocTypeReadVersion
  ]));
  return Buffer.concat([header, ebml([0x18, 0x53, 0x80, 0x67], Buffer.alloc(16))]);
}

/** An ELF executable header: what a renamed binary looks like. */
export function elf(): Buffer {
  const b = Buffer.alloc(256);
  b.set([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]);
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(0x3e, 18); // x86-64
  return b;
}
