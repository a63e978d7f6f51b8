//! The CAPTCHA asked for after failed logins. Self-hosted, nothing sent to a third party: a
//! picture of five letters drawn here, and for people who cannot read it a proof-of-work puzzle
//! in the ALTCHA style that the browser solves by itself. A challenge lasts two minutes and is
//! answered once, right or wrong.

use base64ct::{Base64, Encoding};
use serde::Serialize;
use utoipa::ToSchema;

use super::{Error, Result};
use crate::app::App;
use crate::domain::{DistrictId, WINDOW_SECONDS};
use crate::secrets;
use crate::store::{AuditEntry, FailureScope, NewChallenge};

pub const LIFETIME_SECONDS: i64 = 120;
/// Live challenges one address may hold at once: a whole school behind one address is fine,
/// filling the table is not.
pub const MAX_LIVE_PER_ADDRESS: u32 = 60;
/// Letters that do not look like one another or like digits.
const ALPHABET: &[u8] = b"ACDEFHJKLMNPRTUVWXY";
const LETTERS: usize = 5;
/// The proof of work searches at most this many numbers, ALTCHA's default: half a million
/// SHA-256 digests on average, about a second in a desktop browser and a few on a phone.
///
/// The puzzle is a cost, not proof of a person: a script solves it as surely as a browser does,
/// only no faster. What it buys is that every guess past the CAPTCHA threshold costs the
/// guesser this much computing, on top of the per-username lock and the hourly cap that the
/// throttle enforces whatever the answer.
pub const POW_MAX: u32 = 1_000_000;

/// A challenge as the page and the API show it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Challenge {
    /// Send this back with the answer.
    pub id: String,
    /// The picture, as a `data:image/png;base64,…` address.
    pub image: String,
    pub pow: ProofOfWork,
}

/// Find `number` in `0..=maxnumber` with SHA-256(`salt` + `number`) = `challenge` (hex), and
/// send the number as the answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProofOfWork {
    #[schema(example = "SHA-256")]
    pub algorithm: &'static str,
    pub salt: String,
    pub challenge: String,
    pub maxnumber: u32,
}

/// Makes a new challenge for a district.
pub async fn issue(app: &App, district: DistrictId, address: &str) -> Result<Challenge> {
    let now = app.clock.unix();
    if app
        .store
        .live_challenges_from(district, address, now)
        .await?
        >= MAX_LIVE_PER_ADDRESS
    {
        return Err(Error::RateLimited {
            retry_after: LIFETIME_SECONDS.unsigned_abs(),
        });
    }
    let public_id = secrets::token()?;
    let letters = match &app.config.test_captcha_answer {
        Some(fixed) => fixed.to_ascii_uppercase(),
        None => secrets::code(ALPHABET, LETTERS)?,
    };
    let seed = u64::from_le_bytes(secrets::random_bytes::<8>()?);
    let text = letters.clone();
    let png = tokio::task::spawn_blocking(move || picture::draw(&text, seed))
        .await
        .map_err(|e| Error::internal(format!("drawing a CAPTCHA failed: {e}")))??;
    let salt = secrets::sha256_hex(&secrets::random_bytes::<16>()?)[..24].to_owned();
    let number = secrets::number(POW_MAX)?;
    let pow_challenge = secrets::sha256_hex(format!("{salt}{number}").as_bytes());

    app.store
        .insert_challenge(
            &NewChallenge {
                district,
                address: address.to_owned(),
                public_id: public_id.clone(),
                answer_hash: answer_hash(&public_id, &letters),
                pow_salt: salt.clone(),
                pow_challenge: pow_challenge.clone(),
                expires_at: now + LIFETIME_SECONDS,
            },
            now,
        )
        .await?;
    Ok(Challenge {
        id: public_id,
        image: format!("data:image/png;base64,{}", Base64::encode_string(&png)),
        pow: ProofOfWork {
            algorithm: "SHA-256",
            salt,
            challenge: pow_challenge,
            maxnumber: POW_MAX,
        },
    })
}

/// Whether `answer` solves the challenge `id`: the picture's letters (any case, spaces
/// ignored) or the proof-of-work number. The challenge is used up either way.
pub async fn solve(app: &App, district: DistrictId, id: &str, answer: &str) -> Result<bool> {
    let Some(stored) = app
        .store
        .take_challenge(district, id, app.clock.unix())
        .await?
    else {
        return Ok(false);
    };
    let answer: String = answer.chars().filter(|c| !c.is_whitespace()).collect();
    if answer.is_empty() || answer.len() > 32 {
        return Ok(false);
    }
    if answer.bytes().all(|b| b.is_ascii_digit()) {
        let Ok(number) = answer.parse::<u32>() else {
            return Ok(false);
        };
        let digest = secrets::sha256_hex(format!("{}{number}", stored.pow_salt).as_bytes());
        return Ok(digest == stored.pow_challenge);
    }
    Ok(answer_hash(id, &answer.to_ascii_uppercase()) == stored.answer_hash)
}

/// Where a CAPTCHA is due: passes when `answer` solves a live challenge; otherwise records why
/// (`captcha.shown` or `captcha.failed`, the latter also a failure of the address) and answers
/// with a fresh challenge. `audit` makes the entry, which carries the address.
pub async fn demand<'a>(
    app: &App,
    district: DistrictId,
    answer: Option<(&str, &str)>,
    address: &str,
    audit: &impl Fn(&'static str, Option<String>) -> AuditEntry<'a>,
) -> Result<()> {
    let now = app.clock.unix();
    let Some((id, answer)) = answer else {
        app.store.audit(audit("captcha.shown", None), now).await?;
        return Err(Error::CaptchaRequired(Box::new(
            issue(app, district, address).await?,
        )));
    };
    // Ids are made here, of URL-safe characters: anything else was never one.
    if id.len() > 128 || id.chars().any(char::is_control) {
        return Err(crate::domain::Invalid::new("the CAPTCHA id is not valid").into());
    }
    if solve(app, district, id, answer).await? {
        return Ok(());
    }
    app.store
        .record_failure(
            district,
            FailureScope::Address,
            address,
            now,
            now - WINDOW_SECONDS,
        )
        .await?;
    app.store.audit(audit("captcha.failed", None), now).await?;
    Err(Error::CaptchaInvalid(Box::new(
        issue(app, district, address).await?,
    )))
}

fn answer_hash(public_id: &str, letters: &str) -> String {
    secrets::sha256_hex(format!("{public_id}:{letters}").as_bytes())
}

/// Draws letters as jittered, rotated strokes over noise, and encodes the picture as PNG.
mod picture {
    use super::Error;

    const WIDTH: usize = 200;
    const HEIGHT: usize = 70;

    /// Each letter as strokes (polylines) in a unit box, y pointing down.
    fn strokes(letter: char) -> &'static [&'static [(f32, f32)]] {
        match letter {
            'A' => &[
                &[(0.0, 1.0), (0.5, 0.0), (1.0, 1.0)],
                &[(0.25, 0.55), (0.75, 0.55)],
            ],
            'C' => &[&[
                (0.9, 0.15),
                (0.6, 0.0),
                (0.3, 0.05),
                (0.05, 0.35),
                (0.05, 0.65),
                (0.3, 0.95),
                (0.6, 1.0),
                (0.9, 0.85),
            ]],
            'D' => &[
                &[(0.1, 0.0), (0.1, 1.0)],
                &[
                    (0.1, 0.0),
                    (0.5, 0.0),
                    (0.85, 0.2),
                    (0.95, 0.5),
                    (0.85, 0.8),
                    (0.5, 1.0),
                    (0.1, 1.0),
                ],
            ],
            'E' => &[
                &[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0), (0.9, 1.0)],
                &[(0.1, 0.5), (0.7, 0.5)],
            ],
            'F' => &[
                &[(0.9, 0.0), (0.1, 0.0), (0.1, 1.0)],
                &[(0.1, 0.5), (0.7, 0.5)],
            ],
            'H' => &[
                &[(0.1, 0.0), (0.1, 1.0)],
                &[(0.9, 0.0), (0.9, 1.0)],
                &[(0.1, 0.5), (0.9, 0.5)],
            ],
            'J' => &[
                &[(0.3, 0.0), (0.9, 0.0)],
                &[
                    (0.7, 0.0),
                    (0.7, 0.8),
                    (0.5, 1.0),
                    (0.25, 0.95),
                    (0.1, 0.75),
                ],
            ],
            'K' => &[
                &[(0.1, 0.0), (0.1, 1.0)],
                &[(0.9, 0.0), (0.1, 0.55)],
                &[(0.35, 0.4), (0.9, 1.0)],
            ],
            'L' => &[&[(0.1, 0.0), (0.1, 1.0), (0.9, 1.0)]],
            'M' => &[&[(0.05, 1.0), (0.1, 0.0), (0.5, 0.6), (0.9, 0.0), (0.95, 1.0)]],
            'N' => &[&[(0.1, 1.0), (0.1, 0.0), (0.9, 1.0), (0.9, 0.0)]],
            'P' => &[&[
                (0.1, 1.0),
                (0.1, 0.0),
                (0.7, 0.0),
                (0.9, 0.15),
                (0.9, 0.35),
                (0.7, 0.5),
                (0.1, 0.5),
            ]],
            'R' => &[
                &[
                    (0.1, 1.0),
                    (0.1, 0.0),
                    (0.7, 0.0),
                    (0.9, 0.15),
                    (0.9, 0.35),
                    (0.7, 0.5),
                    (0.1, 0.5),
                ],
                &[(0.45, 0.5), (0.9, 1.0)],
            ],
            'T' => &[&[(0.0, 0.0), (1.0, 0.0)], &[(0.5, 0.0), (0.5, 1.0)]],
            'U' => &[&[
                (0.1, 0.0),
                (0.1, 0.75),
                (0.3, 1.0),
                (0.7, 1.0),
                (0.9, 0.75),
                (0.9, 0.0),
            ]],
            'V' => &[&[(0.0, 0.0), (0.5, 1.0), (1.0, 0.0)]],
            'W' => &[&[(0.0, 0.0), (0.25, 1.0), (0.5, 0.4), (0.75, 1.0), (1.0, 0.0)]],
            'X' => &[&[(0.05, 0.0), (0.95, 1.0)], &[(0.95, 0.0), (0.05, 1.0)]],
            'Y' => &[
                &[(0.0, 0.0), (0.5, 0.5), (1.0, 0.0)],
                &[(0.5, 0.5), (0.5, 1.0)],
            ],
            _ => &[&[(0.0, 0.5), (1.0, 0.5)]],
        }
    }

    /// A small generator for the picture's wobble; the letters themselves come from the OS.
    struct Wobble(u64);

    impl Wobble {
        fn next(&mut self) -> f32 {
            // xorshift64*
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            ((self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32) / ((1u64 << 24) as f32)
        }

        fn between(&mut self, low: f32, high: f32) -> f32 {
            low + (high - low) * self.next()
        }
    }

    type Segment = ((f32, f32), (f32, f32), f32);

    pub fn draw(letters: &str, seed: u64) -> Result<Vec<u8>, Error> {
        let mut wobble = Wobble(seed | 1);
        let mut segments: Vec<Segment> = Vec::new();
        let cell = (WIDTH as f32 - 20.0) / letters.chars().count().max(1) as f32;
        for (i, letter) in letters.chars().enumerate() {
            let (w, h) = (cell * 0.7, HEIGHT as f32 * 0.6);
            let cx = 10.0 + cell * (i as f32 + 0.5) + wobble.between(-3.0, 3.0);
            let cy = HEIGHT as f32 / 2.0 + wobble.between(-5.0, 5.0);
            let angle = wobble.between(-0.35, 0.35);
            let scale = wobble.between(0.85, 1.15);
            let (sin, cos) = angle.sin_cos();
            for stroke in strokes(letter) {
                let points: Vec<(f32, f32)> = stroke
                    .iter()
                    .map(|(x, y)| {
                        let (px, py) = ((x - 0.5) * w * scale, (y - 0.5) * h * scale);
                        (
                            cx + px * cos - py * sin + wobble.between(-1.5, 1.5),
                            cy + px * sin + py * cos + wobble.between(-1.5, 1.5),
                        )
                    })
                    .collect();
                for pair in points.windows(2) {
                    segments.push((pair[0], pair[1], 1.8));
                }
            }
        }
        for _ in 0..4 {
            let a = (
                wobble.between(0.0, WIDTH as f32),
                wobble.between(0.0, HEIGHT as f32),
            );
            let b = (
                wobble.between(0.0, WIDTH as f32),
                wobble.between(0.0, HEIGHT as f32),
            );
            segments.push((a, b, 0.9));
        }
        let mut pixels = vec![255u8; WIDTH * HEIGHT];
        for (index, pixel) in pixels.iter_mut().enumerate() {
            let p = ((index % WIDTH) as f32 + 0.5, (index / WIDTH) as f32 + 0.5);
            let ink = segments
                .iter()
                .map(|(a, b, half_width)| (half_width + 0.5 - distance(p, *a, *b)).clamp(0.0, 1.0))
                .fold(0.0f32, f32::max);
            *pixel = (255.0 * (1.0 - ink * 0.9)) as u8;
        }
        for _ in 0..120 {
            let x = wobble.between(0.0, WIDTH as f32) as usize % WIDTH;
            let y = wobble.between(0.0, HEIGHT as f32) as usize % HEIGHT;
            pixels[y * WIDTH + x] = wobble.between(60.0, 200.0) as u8;
        }
        encode(&pixels).map_err(|e| Error::internal(format!("encoding a CAPTCHA failed: {e}")))
    }

    fn distance(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let length2 = dx * dx + dy * dy;
        let t = if length2 == 0.0 {
            0.0
        } else {
            (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length2).clamp(0.0, 1.0)
        };
        let (qx, qy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
        (qx * qx + qy * qy).sqrt()
    }

    fn encode(pixels: &[u8]) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.write_header()?.write_image_data(pixels)?;
        Ok(out)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn draws_a_png_that_differs_each_time() {
            let a = super::draw("ACDEF", 1).unwrap();
            let b = super::draw("ACDEF", 2).unwrap();
            assert_eq!(&a[..8], b"\x89PNG\r\n\x1a\n");
            assert_ne!(a, b);
        }
    }
}
