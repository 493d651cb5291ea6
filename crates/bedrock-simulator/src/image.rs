//! Simulated pictures: a deterministic tiled gradient drawn from a seed, encoded as a real PNG
//! (with the `png` crate) or a real baseline JPEG (a small encoder of its own); reading the size
//! of an uploaded PNG or JPEG from its header, and checking it against a model's limits.
//!
//! The picture is made of 16×16-pixel tiles, each one flat colour, so every 8×8 JPEG block is
//! flat and its DCT has a DC term only: the JPEG is exact and cheap to encode.
//!
//! Sizes come from request bytes (an uploaded image's header names any 32-bit width and
//! height), so every size is checked before anything is allocated: first against the model's
//! own limits ([`SourceLimits`]), then against the simulator's pixel budget ([`Picture::new`]).

pub(crate) use bedrock_core::image_dimensions;

use crate::rejection::Rejection;
use crate::rng::{SplitMix64, stable_hash};

/// Side of one flat-coloured tile, in pixels (a multiple of the JPEG block size).
const TILE: u32 = 16;

/// The longest side the simulator draws: above every model's limit, and within the 16 bits a
/// JPEG frame header has for a side.
pub(crate) const MAX_SIDE: u32 = 16_384;

/// The most pixels the simulator draws in one picture: the largest any served model accepts
/// (Stability's 9,437,184 for image-to-image sources). The PNG encoder holds the whole RGB
/// frame, so one picture costs at most 3 × this many bytes (27 MiB) while it is encoded.
pub(crate) const MAX_PIXELS: u64 = 9_437_184;

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
    /// colours, as colour-guided generation asks. Sizes outside 1..=[`MAX_SIDE`] a side or over
    /// [`MAX_PIXELS`] are refused: callers check the model's own (smaller) limits first, so
    /// this is the last guard before the encoders allocate.
    pub(crate) fn new(
        width: u32,
        height: u32,
        seed: u64,
        palette: &[[u8; 3]],
    ) -> Result<Self, Rejection> {
        let pixels = u64::from(width).saturating_mul(u64::from(height));
        if !(1..=MAX_SIDE).contains(&width)
            || !(1..=MAX_SIDE).contains(&height)
            || pixels > MAX_PIXELS
        {
            return Err(Rejection::malformed(&format!(
                "#: the simulator draws pictures of 1 to {MAX_SIDE} pixels a side and at most \
                 {MAX_PIXELS} pixels; {width}x{height} is outside that"
            )));
        }
        let mut rng = SplitMix64::new(seed);
        let mut colour = |i: usize| -> [u8; 3] {
            match palette.iter().cycle().nth(i) {
                Some(c) => *c,
                None => [
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                    rng.below(256) as u8,
                ],
            }
        };
        let corners = [colour(0), colour(1), colour(2), colour(3)];
        let disc_colour = colour(4);
        let tiles_x = f64::from(width.div_ceil(TILE));
        let tiles_y = f64::from(height.div_ceil(TILE));
        let cx = rng.unit() * tiles_x;
        let cy = rng.unit() * tiles_y;
        let r = (0.1 + rng.unit() * 0.25) * tiles_x.min(tiles_y).max(1.0);
        Ok(Picture {
            width,
            height,
            corners,
            disc: (cx, cy, r, disc_colour),
            seed,
        })
    }

    /// The same picture with its highlight disc moved right by `fraction` of the width,
    /// wrapping round: the frames of a simulated video.
    pub(crate) fn with_disc_moved(&self, fraction: f64) -> Picture {
        let (cx, cy, r, colour) = self.disc;
        let tiles_x = f64::from(self.width.div_ceil(TILE)).max(1.0);
        let moved = (cx + fraction * tiles_x).rem_euclid(tiles_x);
        Picture {
            disc: (moved, cy, r, colour),
            ..self.clone()
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
        // Bilinear blend of the corners in one channel, plus up to ±16 of noise.
        let blend = |a: u8, b: u8, d: u8, e: u8, noise_bits: u64| -> u8 {
            let (a, b, d, e) = (f64::from(a), f64::from(b), f64::from(d), f64::from(e));
            let top = a + (b - a) * u;
            let bottom = d + (e - d) * u;
            let noise = (noise_bits & 0x1f) as f64 - 16.0;
            (top + (bottom - top) * v + noise).clamp(0.0, 255.0) as u8
        };
        let [tl, tr, bl, br] = self.corners;
        [
            blend(tl[0], tr[0], bl[0], br[0], jitter),
            blend(tl[1], tr[1], bl[1], br[1], jitter >> 8),
            blend(tl[2], tr[2], bl[2], br[2], jitter >> 16),
        ]
    }

    /// One row of pixels (RGB) through tile row `ty`.
    fn tile_row(&self, ty: u32) -> Vec<u8> {
        let mut row = Vec::with_capacity((self.width as usize).saturating_mul(3));
        let mut left = self.width;
        let mut tx = 0;
        while left > 0 {
            let span = left.min(TILE);
            let colour = self.tile_colour(tx, ty);
            for _ in 0..span {
                row.extend_from_slice(&colour);
            }
            left = left.saturating_sub(span);
            tx = tx.saturating_add(1);
        }
        row
    }

    /// The picture as a PNG (8-bit RGB). Fails only if the encoder refuses a size that
    /// [`Picture::new`] accepted, which it does not.
    pub(crate) fn to_png(&self) -> Result<Vec<u8>, Rejection> {
        // At most MAX_PIXELS × 3 bytes: Picture::new checked the size.
        let frame_bytes = (self.width as usize)
            .saturating_mul(self.height as usize)
            .saturating_mul(3);
        let mut pixels = Vec::with_capacity(frame_bytes);
        let mut row = Vec::new();
        for y in 0..self.height {
            if y % TILE == 0 {
                row = self.tile_row(y / TILE);
            }
            pixels.extend_from_slice(&row);
        }
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, self.width, self.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let encoded = encoder.write_header().and_then(|mut writer| {
            writer.write_image_data(&pixels)?;
            writer.finish()
        });
        encoded.map_err(|_| Rejection::internal())?;
        Ok(out)
    }

    /// The picture as a baseline JPEG (JFIF, YCbCr 4:4:4). Fails only on a size or code the
    /// format cannot hold, which [`Picture::new`]'s limits rule out.
    pub(crate) fn to_jpeg(&self) -> Result<Vec<u8>, Rejection> {
        let side = |n: u32| u16::try_from(n).map_err(|_| Rejection::internal());
        let [h_hi, h_lo] = side(self.height)?.to_be_bytes();
        let [w_hi, w_lo] = side(self.width)?.to_be_bytes();
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
        // Two 8×8 blocks span one 16-pixel tile.
        const BLOCKS_PER_TILE: u32 = TILE / 8;
        let blocks_x = self.width.div_ceil(8);
        let blocks_y = self.height.div_ceil(8);
        for by in 0..blocks_y {
            let mut row_cache: Option<(u32, [u8; 3])> = None;
            for bx in 0..blocks_x {
                let tx = bx / BLOCKS_PER_TILE;
                let rgb = match row_cache {
                    Some((cached, rgb)) if cached == tx => rgb,
                    _ => {
                        let rgb = self.tile_colour(tx, by / BLOCKS_PER_TILE);
                        row_cache = Some((tx, rgb));
                        rgb
                    }
                };
                for (level, predictor) in ycbcr(rgb).into_iter().zip(&mut predictors) {
                    // Levels are 0..=255, so these differences stay within ±510.
                    let dc = level.saturating_sub(128);
                    let diff = dc.saturating_sub(*predictor);
                    *predictor = dc;
                    let category = category(diff);
                    let &(code, len) = dc_codes
                        .get(category as usize)
                        .ok_or_else(Rejection::internal)?;
                    bits.put(u32::from(code), len);
                    if category > 0 {
                        let raw = if diff < 0 {
                            diff.saturating_sub(1)
                        } else {
                            diff
                        };
                        let mask = 1u32
                            .checked_shl(category)
                            .map_or(u32::MAX, |bit| bit.wrapping_sub(1));
                        bits.put((raw as u32) & mask, category);
                    }
                    // End of block: the one AC code, a single 0 bit.
                    bits.put(0, 1);
                }
            }
        }
        bits.flush();
        out.extend_from_slice(&[0xFF, 0xD9]);
        Ok(out)
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
    u32::BITS.saturating_sub(diff.unsigned_abs().leading_zeros())
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
    // Codes of length n fill what the shorter ones left; 16 bits hold every code of the table.
    for (length, count) in (1u32..).zip(bits) {
        for _ in 0..*count {
            codes.push((code, length));
            code = code.wrapping_add(1);
        }
        code = code.wrapping_shl(1);
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
            // `acc` holds fewer than 8 bits here, so the shift keeps them all.
            let bit = value.checked_shr(i).unwrap_or(0) & 1;
            self.acc = self.acc.wrapping_shl(1) | bit;
            self.used = self.used.saturating_add(1);
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

/// What a model accepts as an uploaded source image, from its documentation, and how its
/// refusal reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SourceLimits {
    /// The shortest side allowed, in pixels.
    pub min_side: u32,
    /// The longest side allowed, in pixels.
    pub max_side: u32,
    /// The most pixels allowed (width × height).
    pub max_pixels: u64,
    /// The widest aspect ratio allowed, as `n` for n:1 (and 1:n); `None` for no rule.
    pub max_aspect: Option<f64>,
    /// The rules as the refusal states them (`every side must be at least 64 pixels, ...`).
    pub rule: &'static str,
}

impl SourceLimits {
    /// Whether a `width`×`height` source is within the limits; `Err` is the violation's text,
    /// naming the size and the rule.
    pub(crate) fn check(&self, width: u32, height: u32) -> Result<(), String> {
        let sides = self.min_side..=self.max_side;
        let pixels = u64::from(width).saturating_mul(u64::from(height));
        let aspect_ok = self.max_aspect.is_none_or(|max| {
            let (long, short) = (f64::from(width.max(height)), f64::from(width.min(height)));
            long <= short * max
        });
        if sides.contains(&width)
            && sides.contains(&height)
            && pixels <= self.max_pixels
            && aspect_ok
        {
            Ok(())
        } else {
            Err(format!(
                "the image is {width}x{height} pixels; {}",
                self.rule
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_decodes_to_the_requested_size() {
        let bytes = Picture::new(40, 24, 5, &[]).unwrap().to_png().unwrap();
        assert_eq!(image_dimensions(&bytes), Some((40, 24)));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes.clone()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (40, 24));
        assert_eq!(
            bytes,
            Picture::new(40, 24, 5, &[]).unwrap().to_png().unwrap(),
            "deterministic"
        );
        assert_ne!(
            bytes,
            Picture::new(40, 24, 6, &[]).unwrap().to_png().unwrap()
        );
    }

    #[test]
    fn palette_colours_are_used() {
        let pic = Picture::new(64, 64, 1, &[[10, 200, 30]]).unwrap();
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
        let bytes = Picture::new(33, 17, 2, &[]).unwrap().to_jpeg().unwrap();
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

    #[test]
    fn sizes_outside_the_pixel_budget_are_refused_before_drawing() {
        for (w, h) in [
            (0, 10),
            (10, 0),
            (100_000, 100_000),
            (1 << 31, 1 << 31),
            (u32::MAX, 1),
            (MAX_SIDE + 1, 1),
            (3073, 3072),
        ] {
            let e = Picture::new(w, h, 1, &[]).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.contains(&format!("{w}x{h}")), "{}", e.message);
        }
        let widest = Picture::new(MAX_SIDE, 1, 1, &[]).unwrap();
        assert_eq!(
            image_dimensions(&widest.to_png().unwrap()),
            Some((MAX_SIDE, 1))
        );
        assert_eq!(
            image_dimensions(&widest.to_jpeg().unwrap()),
            Some((MAX_SIDE, 1))
        );
    }

    #[test]
    fn headers_are_read_without_trusting_their_lengths() {
        let png = |w: u32, h: u32| {
            let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
            b.extend_from_slice(&w.to_be_bytes());
            b.extend_from_slice(&h.to_be_bytes());
            b
        };
        assert_eq!(image_dimensions(&png(0, 10)), Some((0, 10)));
        assert_eq!(image_dimensions(&png(u32::MAX, 7)), Some((u32::MAX, 7)));
        let cut = png(5, 5);
        for len in 0..cut.len() {
            assert_eq!(image_dimensions(&cut[..len]), None, "{len} bytes");
        }
        // A JPEG whose segment length runs past the end, one with a zero length, and one that
        // never reaches a frame header.
        assert_eq!(
            image_dimensions(&[0xFF, 0xD8, 0xFF, 0xE0, 0xFF, 0xFF, 0]),
            None
        );
        assert_eq!(
            image_dimensions(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0, 0xFF, 0xC0]),
            None
        );
        assert_eq!(image_dimensions(&[0xFF, 0xD8, 0xFF, 0xD9]), None);
        let sof = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 2, 0xFF, 0xC2, 0, 17, 8, 0x01, 0x02, 0x03, 0x04,
        ];
        assert_eq!(image_dimensions(&sof), Some((0x0304, 0x0102)));
    }

    #[test]
    fn source_limits_name_the_size_and_the_rule() {
        let limits = SourceLimits {
            min_side: 64,
            max_side: u32::MAX,
            max_pixels: 9_437_184,
            max_aspect: Some(2.5),
            rule: "the rule",
        };
        assert!(limits.check(64, 64).is_ok());
        assert!(limits.check(160, 64).is_ok());
        assert!(limits.check(161, 64).is_err());
        assert!(limits.check(3072, 3072).is_ok());
        assert!(limits.check(3072, 3073).is_err());
        assert_eq!(
            limits.check(u32::MAX, u32::MAX).unwrap_err(),
            "the image is 4294967295x4294967295 pixels; the rule"
        );
        assert!(limits.check(0, 10).is_err());
    }
}
