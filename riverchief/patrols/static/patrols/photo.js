/* A camera photo made small enough to upload over a weak signal, keeping its EXIF block (time
 * and place the server checks against the track). A canvas drops EXIF, so the original's APP1
 * segment is copied into the smaller JPEG, its orientation reset since the pixels are upright. */

const MAX_SIDE = 1600;
const KEEP_BYTES = 1500000; // a photo this small and no larger than MAX_SIDE is sent as it is
const QUALITY = 0.82;

function exifSegment(bytes) {
  // JPEG: FFD8, then segments FF xx (length, 2 bytes, counts itself) until the scan starts.
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) {
    return null;
  }
  let at = 2;
  while (at + 4 <= bytes.length && bytes[at] === 0xff) {
    const marker = bytes[at + 1];
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker === 0xda || length < 2) {
      return null;
    }
    const isExif =
      marker === 0xe1 &&
      String.fromCharCode(bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]) === "Exif";
    if (isExif) {
      return bytes.slice(at, at + 2 + length);
    }
    at += 2 + length;
  }
  return null;
}

function resetOrientation(segment) {
  const tiff = 10; // FF E1, length (2), "Exif\0\0"
  const view = new DataView(segment.buffer, segment.byteOffset, segment.byteLength);
  if (segment.length < tiff + 8) {
    return segment;
  }
  const little = view.getUint16(tiff) === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > segment.length) {
    return segment;
  }
  const count = view.getUint16(ifd, little);
  for (let i = 0; i < count; i += 1) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > segment.length) {
      break;
    }
    if (view.getUint16(entry, little) === 0x0112) {
      view.setUint16(entry + 8, 1, little);
    }
  }
  return segment;
}

async function decode(file) {
  if (window.createImageBitmap) {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (error) {
      // older browsers refuse the option: fall back to an <img>, which applies it too
    }
  }
  const url = URL.createObjectURL(file);
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    return img;
  } finally {
    URL.revokeObjectURL(url);
  }
}

function toBlob(canvas) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("encode"))), "image/jpeg", QUALITY);
  });
}

/* The blob to store and upload for a chosen file. */
export async function shrink(file) {
  const image = await decode(file);
  const width = image.width;
  const height = image.height;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  if (scale === 1 && file.size <= KEEP_BYTES) {
    return file;
  }
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
  if (image.close) {
    image.close();
  }
  const small = new Uint8Array(await (await toBlob(canvas)).arrayBuffer());
  const exif = exifSegment(new Uint8Array(await file.arrayBuffer()));
  if (!exif) {
    return new Blob([small], { type: "image/jpeg" });
  }
  // SOI, the original's EXIF, then the rest of the new JPEG.
  return new Blob([small.slice(0, 2), resetOrientation(exif), small.slice(2)], {
    type: "image/jpeg",
  });
}
