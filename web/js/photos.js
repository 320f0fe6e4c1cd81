// Photos before upload: the type checked (JPEG, PNG or WebP: what a phone takes, and what the
// API accepts), the size limit checked on the original file, then the picture redrawn on a
// canvas at most `maxSide` pixels wide or high and re-encoded as JPEG — smaller uploads, and the
// camera's metadata (EXIF, GPS position) left behind.
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

export class PhotoError extends Error {
  constructor(code) {
    super(code);
    this.code = code; // 'type' | 'size' | 'decode'
  }
}

export async function preparePhoto(file, { maxBytes, maxSide }) {
  if (!PHOTO_TYPES.includes(file.type)) throw new PhotoError('type');
  if (file.size > maxBytes) throw new PhotoError('size');
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new PhotoError('decode');
  }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(bitmap.width * scale));
  canvas.height = Math.max(1, Math.round(bitmap.height * scale));
  canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  if (!blob) throw new PhotoError('decode');
  const name = `${(file.name.replace(/\.[^.]*$/, '') || 'photo').slice(0, 80)}.jpg`;
  return { name, type: 'image/jpeg', size: blob.size, blob, data: await toBase64(blob) };
}

export function toBase64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1]);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

export function fromBase64(data, type) {
  const text = atob(data);
  return new Blob([Uint8Array.from(text, (c) => c.charCodeAt(0))], { type });
}

export function megabytes(bytes) {
  return (bytes / (1024 * 1024)).toLocaleString(document.documentElement.lang, {
    maximumFractionDigits: 1,
  });
}

// "350 ko" / "1,2 Mo" (French units; "KB" / "MB" in English).
export function sizeLabel(bytes) {
  const french = document.documentElement.lang === 'fr';
  if (bytes < 1024 * 1024) {
    return `${Math.max(1, Math.round(bytes / 1024))} ${french ? 'ko' : 'KB'}`;
  }
  return `${megabytes(bytes)} ${french ? 'Mo' : 'MB'}`;
}
