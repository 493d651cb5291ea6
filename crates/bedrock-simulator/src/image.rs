//! Simulated pictures: a deterministic tiled gradient drawn from a seed, encoded as a real PNG
//! (with the `png` crate) or a real baseline JPEG (a small encoder of its own).
//!
//! The picture is made of 16×16-pixel tiles, each one flat colour, so every 8×8 JPEG block is
//! flat and its DCT has a DC term only: the JPEG is exact and cheap to encode.

use crate::rng::{SplitMix64, stable_hash};

/// Side of one flat-coloured tile, in pixels (a multiple of the JPEG block size).
const TILE: u32 = 16;

/// A picture to render: its size and the colours it blends between.
#[derive(Debug, Clone)]
pub(crate) struct Picture {
    width: u32,
    height: u32,
    /// Corner colours: top-left, top-right, bottom-left, bottom-right.
    corners: [[u8; 3]; 4],
    /// The centre and radius (in tiles) of a highlight disc, and its colour.
    disc: (f64, f64, f64, [u8; 3]),
    seed: u64,
}

impl Picture {
    /// A picture of `width`×`height` drawn from `seed`; `palette` (when not empty) supplies the
    /// colours, as colour-guided generation asks.
    pub(crate) fn new(width: u32, height: u32, seed: u64, palette: &[[u8; 3]]) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut colour = |i: usize| -> [u8; 3] {
            if palette.is_empty() {
                [
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                ]
            } else {
                palette[i % palette.len()]
            }
        };
        let corners = [colour(0), colour(1), colour(2), colour(3)];
        let disc_colour = colour(4);
        let tiles_x = f64::from(width.div_ceil(TILE));
        let tiles_y = f64::from(height.div_ceil(TILE));
        let cx = rng.unit() * tiles_x;
        let cy = rng.unit() * tiles_y;
        let r = (0.1 + rng.unit() * 0.25) * tiles_x.min(tiles_y).max(1.0);
        Picture {
            width,
            height,
            corners,
            disc: (cx, cy, r, disc_colour),
            seed,
        }
    }

    /// The colour of tile (`tx`, `ty`).
    fn tile_colour(&self, tx: u32, ty: u32) -> [u8; 3] {
        let (cx, cy, r, disc) = self.disc;
        let fx = f64::from(tx) + 0.5;
        let fy = f64::from(ty) + 0.5;
        if (fx - cx).powi(2) + (fy - cy).powi(2) <= r * r {
            return disc;
        }
        let u = fx / f64::from(self.width.div_ceil(TILE)).max(1.0);
        let v = fy / f64::from(self.height.div_ceil(TILE)).max(1.0);
        let jitter = stable_hash(&[
            &self.seed.to_le_bytes(),
            &tx.to_le_bytes(),
            &ty.to_le_bytes(),
        ]);
        let mut out = [0u8; 3];
        for (c, slot) in out.iter_mut().enumerate() {
            let [a, b, d, e] = self.corners.map(|k| f64::from(k[c]));
            let top = a + (b - a) * u;
            let bottom = d + (e - d) * u;
            let noise = ((jitter >> (c * 8)) & 0x1f) as f64 - 16.0;
            *slot = (top + (bottom - top) * v + noise).clamp(0.0, 255.0) as u8;
        }
        out
    }

    /// The picture as a PNG (8-bit RGB).
    pub(crate) fn to_png(&self) -> Vec<u8> {
        let tiles_x = self.width.div_ceil(TILE);
        let mut row_colours = Vec::with_capacity(tiles_x as usize);
        let mut pixels = Vec::with_capacity(self.width as usize * self.height as usize * 3);
        for y in 0..self.height {
            if y % TILE == 0 {
                row_colours = (0..tiles_x)
                    .map(|tx| self.tile_colour(tx, y / TILE))
                    .collect();
            }
            for x in 0..self.width {
                pixels.extend_from_slice(&row_colours[(x / TILE) as usize]);
            }
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        // Writing into a Vec with valid dimensions and a full pixel buffer cannot fail.
        let mut writer = encoder.write_header().expect("PNG header into a Vec");
        writer
            .write_image_data(&pixels)
            .expect("PNG data into a Vec");
        writer.finish().expect("PNG end into a Vec");
        out
    }

    /// The picture as a baseline JPEG (JFIF, YCbCr 4:4:4).
    pub(crate) fn to_jpeg(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&[0xFF, 0xD8]);
        // APP0 JFIF 1.01, no density units, no thumbnail.
        out.extend_from_slice(&[
            0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01,
            0x00, 0x01, 0x00, 0x00,
        ]);
        // DQT: table 0, every step 8. A flat block's DC term is 8 × (level − 128), so a step of 8
        // reproduces every integer level exactly; the AC terms are all zero.
        out.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
        out.extend_from_slice(&[8u8; 64]);
        // SOF0: 8-bit, three components sampled 1×1, all on quantisation table 0.
        let [h_hi, h_lo] = (self.height as u16).to_be_bytes();
        let [w_hi, w_lo] = (self.width as u16).to_be_bytes();
        out.extend_from_slice(&[
            0xFF, 0xC0, 0x00, 0x11, 0x08, h_hi, h_lo, w_hi, w_lo, 0x03, 0x01, 0x11, 0x00, 0x02,
            0x11, 0x00, 0x03, 0x11, 0x00,
        ]);
        // DHT: DC table 0 (the standard luminance DC code lengths, categories 0..=11) and AC
        // table 0 holding one symbol, end-of-block, since every AC coefficient is zero.
        out.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x31, 0x00]);
        out.extend_from_slice(&DC_BITS);
        out.extend_from_slice(&DC_VALUES);
        out.extend_from_slice(&[0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x00]);
        // SOS: three components, all on Huffman tables 0/0, full spectral range.
        out.extend_from_slice(&[
            0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x3F, 0x00,
        ]);
        let dc_codes = huffman_codes(&DC_BITS);
        let mut bits = BitWriter::new(&mut out);
        let mut predictors = [0i32; 3];
        let blocks_x = self.width.div_ceil(8);
        let blocks_y = self.height.div_ceil(8);
        for by in 0..blocks_y {
            let mut row_cache: Option<(u32, [u8; 3])> = None;
            for bx in 0..blocks_x {
                let tx = bx * 8 / TILE;
                let rgb = match row_cache {
                    Some((cached, rgb)) if cached == tx => rgb,
                    _ => {
                        let rgb = self.tile_colour(tx, by * 8 / TILE);
                        row_cache = Some((tx, rgb));
                        rgb
                    }
                };
                for (component, level) in ycbcr(rgb).into_iter().enumerate() {
                    let dc = level - 128;
                    let diff = dc - predictors[component];
                    predictors[component] = dc;
                    let category = category(diff);
                    let (code, len) = dc_codes[category as usize];
                    bits.put(u32::from(code), len);
                    if category > 0 {
                        let raw = if diff < 0 { diff - 1 } else { diff };
                        bits.put((raw as u32) & ((1 << category) - 1), category);
                    }
                    // End of block: the one AC code, a single 0 bit.
                    bits.put(0, 1);
                }
            }
        }
        bits.flush();
        out.extend_from_slice(&[0xFF, 0xD9]);
        out
    }
}

/// JFIF's RGB to YCbCr, rounded to integer levels.
fn ycbcr([r, g, b]: [u8; 3]) -> [i32; 3] {
    let (r, g, b) = (f64::from(r), f64::from(g), f64::from(b));
    let y = 0.299 * r + 0.587 * g + 0.114 * b;
    let cb = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
    let cr = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
    [y, cb, cr].map(|v| v.round().clamp(0.0, 255.0) as i32)
}

/// The JPEG magnitude category of a DC difference: the bits needed for `|diff|`.
fn category(diff: i32) -> u32 {
    32 - diff.unsigned_abs().leading_zeros()
}

/// Code lengths 1..=16 of the standard luminance DC table (ITU T.81 Annex K, table K.3).
const DC_BITS: [u8; 16] = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
/// Its symbols: magnitude categories 0..=11.
const DC_VALUES: [u8; 12] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/// Canonical Huffman codes `(code, length)` for each symbol of a table whose symbols are
/// `0..n` in order.
fn huffman_codes(bits: &[u8; 16]) -> Vec<(u16, u32)> {
    let mut codes = Vec::new();
    let mut code: u16 = 0;
    for (i, count) in bits.iter().enumerate() {
        for _ in 0..*count {
            codes.push((code, i as u32 + 1));
            code += 1;
        }
        code <<= 1;
    }
    codes
}

/// Writes entropy-coded bits MSB first, stuffing a zero byte after every 0xFF.
struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u32,
    used: u32,
}

impl<'a> BitWriter<'a> {
    fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            used: 0,
        }
    }

    fn put(&mut self, value: u32, len: u32) {
        for i in (0..len).rev() {
            self.acc = (self.acc << 1) | ((value >> i) & 1);
            self.used += 1;
            if self.used == 8 {
                self.emit();
            }
        }
    }

    fn emit(&mut self) {
        let byte = self.acc as u8;
        self.out.push(byte);
        if byte == 0xFF {
            self.out.push(0x00);
        }
        self.acc = 0;
        self.used = 0;
    }

    /// Pads the last byte with 1 bits, as the standard asks.
    fn flush(&mut self) {
        while self.used != 0 {
            self.put(1, 1);
        }
    }
}

/// The width and height of a PNG or baseline/progressive JPEG, read from its header.
pub(crate) fn image_dimensions(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if bytes.starts_with(&[0xFF, 0xD8]) {
        let mut i = 2;
        while i + 9 < bytes.len() {
            if bytes[i] != 0xFF {
                return None;
            }
            let marker = bytes[i + 1];
            let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
            if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                let h = u32::from(u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]));
                let w = u32::from(u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]));
                return Some((w, h));
            }
            i += 2 + len;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_decodes_to_the_requested_size() {
        let bytes = Picture::new(40, 24, 5, &[]).to_png();
        assert_eq!(image_dimensions(&bytes), Some((40, 24)));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.clone()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (40, 24));
        assert_eq!(
            bytes,
            Picture::new(40, 24, 5, &[]).to_png(),
            "deterministic"
        );
        assert_ne!(bytes, Picture::new(40, 24, 6, &[]).to_png());
    }

    #[test]
    fn palette_colours_are_used() {
        let pic = Picture::new(64, 64, 1, &[[10, 200, 30]]);
        let c = pic.tile_colour(0, 0);
        assert!(
            c.iter()
                .zip([10u8, 200, 30])
                .all(|(a, b)| a.abs_diff(b) <= 16),
            "{c:?}"
        );
    }

    #[test]
    fn jpeg_has_the_right_structure() {
        let bytes = Picture::new(33, 17, 2, &[]).to_jpeg();
        assert!(bytes.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]));
        assert!(bytes.ends_with(&[0xFF, 0xD9]));
        assert_eq!(image_dimensions(&bytes), Some((33, 17)));
    }

    #[test]
    fn categories_and_codes_follow_the_standard() {
        assert_eq!(
            [0, 1, -1, 2, 3, -255, 255, 256].map(category),
            [0, 1, 1, 2, 2, 8, 8, 9]
        );
        let codes = huffman_codes(&DC_BITS);
        assert_eq!(codes[0], (0b00, 2));
        assert_eq!(codes[1], (0b010, 3));
        assert_eq!(codes[5], (0b110, 3));
        assert_eq!(codes[6], (0b1110, 4));
        assert_eq!(codes[11], (0b1_1111_1110, 9));
    }
}
