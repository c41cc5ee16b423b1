//! Writes the CSV file of `bench/tabular`: `ROWS` rows of a city's sensor log ("Messwerte der
//! Umweltmessstellen") in 10 mixed columns, the kinds a hosted table meets:
//!
//! | column | kind | odcat infers |
//! | --- | --- | --- |
//! | `nr` | running number | integer |
//! | `messstelle` | station key with a leading zero (`05124017`) | text (so nothing is lost) |
//! | `quartier` | city quarter, with umlauts (`Küllenhahn`, `Nützenberg`) | text |
//! | `datum` | ISO date | date |
//! | `zeitpunkt` | RFC 3339 date-time in UTC | datetime |
//! | `wert` | measured value, one decimal, ~3 % empty | decimal |
//! | `anzahl` | count of samples, ~5 % empty | integer |
//! | `gueltig` | `true`/`false` | boolean |
//! | `kosten_eur` | cost in euros, two decimals | decimal |
//! | `bemerkung` | remark, ~80 % empty, sometimes with commas and "quotes" | text |
//!
//! ```sh
//! cargo run --release --example bench_tabular_gen -- 1000000 /tmp/rows.csv
//! cargo run --release --example bench_tabular_gen -- 1000000 /tmp/rows-de.csv --german
//! ```
//!
//! Arguments: `ROWS` (or the environment variable of that name; default 1 000 000), the output file
//! (standard output when absent or `-`), and `--german` for the file as German Excel saves it:
//! Windows-1252, `;`, CRLF, decimal commas, `dd.mm.yyyy` dates, `dd.mm.yyyy hh:mm:ss` local times
//! (Europe/Berlin, the same instants) and `ja`/`nein` (the same rows otherwise). The UTF-8 file is
//! plain RFC 4180 with `\n` line ends. Every cell is deterministic (a seeded generator): the same
//! `ROWS` always gives the same file, and the first rows of a larger file are the rows of a smaller
//! one.
//!
//! Prints one line to standard error: rows, bytes and seconds.

#[path = "support/rng.rs"]
mod rng;

use std::io::Write;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;

use rng::Rng;

/// The header, in file order.
const HEADER: [&str; 10] = [
    "nr",
    "messstelle",
    "quartier",
    "datum",
    "zeitpunkt",
    "wert",
    "anzahl",
    "gueltig",
    "kosten_eur",
    "bemerkung",
];

/// Wuppertal's city quarters (a selection), many with umlauts or ß.
const QUARTERS: &[&str] = &[
    "Elberfeld-Mitte",
    "Nützenberg",
    "Brill",
    "Ostersbaum",
    "Nordstadt",
    "Arrenberg",
    "Friedrichsberg",
    "Grifflenberg",
    "Küllenhahn",
    "Südstadt",
    "Döppersberg",
    "Lüntenbeck",
    "Höhe",
    "Vohwinkel-Mitte",
    "Schöller-Dornap",
    "Sonnborn",
    "Uellendahl-West",
    "Dönberg",
    "Nächstebreck-Ost",
    "Wichlinghausen-Süd",
    "Rott",
    "Barmen-Mitte",
    "Heckinghausen",
    "Langerfeld-Mitte",
    "Beyenburg-Mitte",
    "Ronsdorf-Mitte",
    "Blombacher Bach",
    "Cronenberg-Mitte",
    "Hahnerberg",
    "Kohlfurth",
    "Görlitzer Straße",
    "Großer Busch",
];

/// Remarks; a few hold the delimiter or quotes, so the file needs RFC 4180 quoting.
const REMARKS: &[&str] = &[
    "Sensor gewartet",
    "Wert geschätzt, Messgerät ausgefallen",
    "Kalibrierung nach DIN EN 14211",
    "Baustelle in der Nähe, Werte erhöht",
    "Messung \"vorläufig\", Prüfung folgt",
    "Stromausfall 10 Min.",
    "Nachgemessen; Ergebnis bestätigt",
    "Störung: Übertragung unterbrochen",
    "Probe „doppelt“ genommen",
    "Filterwechsel",
];

/// What this generator draws beyond the shared SplitMix64 core.
impl Rng {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len() as u64) as usize]
    }

    /// True with `percent` % probability.
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One row's cells as written (UTF-8; the German file is converted when written).
fn row(rng: &mut Rng, n: u64, german: bool) -> [String; 10] {
    let base = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
    let station = 1 + rng.below(240);
    let quarter = rng.pick(QUARTERS);
    let day = base + Duration::days(rng.below(6 * 365) as i64);
    let seconds = rng.below(86_400) as i64;
    let moment: NaiveDateTime =
        day.and_hms_opt(0, 0, 0).unwrap_or_default() + Duration::seconds(seconds);
    let value = (rng.below(1_200) as f64) / 10.0 + 0.1;
    let value_empty = rng.chance(3);
    let count = 1 + rng.below(400);
    let count_empty = rng.chance(5);
    let valid = !rng.chance(8);
    let cost = rng.below(2_500_000) as f64 / 100.0;
    let remark = if rng.chance(20) {
        rng.pick(REMARKS)
    } else {
        ""
    };
    let decimal = |x: f64, places: usize| {
        let s = format!("{x:.places$}");
        if german { s.replace('.', ",") } else { s }
    };
    [
        n.to_string(),
        format!("05124{station:03}"),
        quarter.to_owned(),
        if german {
            day.format("%d.%m.%Y").to_string()
        } else {
            day.format("%Y-%m-%d").to_string()
        },
        if german {
            // The same instant in local time, as German offices write it (odcat reads a time
            // without a zone as Europe/Berlin); converted, so no time falls into the hour that
            // is skipped in spring.
            Utc.from_utc_datetime(&moment)
                .with_timezone(&Berlin)
                .format("%d.%m.%Y %H:%M:%S")
                .to_string()
        } else {
            moment.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        },
        if value_empty {
            String::new()
        } else {
            decimal(value, 1)
        },
        if count_empty {
            String::new()
        } else {
            count.to_string()
        },
        match (german, valid) {
            (false, true) => "true".into(),
            (false, false) => "false".into(),
            (true, true) => "ja".into(),
            (true, false) => "nein".into(),
        },
        decimal(cost, 2),
        remark.to_owned(),
    ]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1).collect::<Vec<_>>();
    let german = match args.iter().position(|a| a == "--german") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let rows: u64 = match args.first().cloned().or_else(|| std::env::var("ROWS").ok()) {
        Some(n) => n
            .parse()
            .with_context(|| format!("ROWS: `{n}` is not a number"))?,
        None => 1_000_000,
    };
    if rows == 0 {
        bail!("ROWS must be at least 1");
    }
    let out: Box<dyn Write> = match args.get(1).map(String::as_str) {
        None | Some("-") => Box::new(std::io::stdout()),
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("failed to create {path}"))?,
        ),
    };
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let started = Instant::now();
    let mut rng = Rng(0x7461_6275_6c61_7200);
    let mut bytes = 0_u64;
    // Rows are formatted into a buffer (RFC 4180 quoting by the csv crate) and written in chunks,
    // converted to Windows-1252 for the German file.
    let builder = || {
        let mut b = csv::WriterBuilder::new();
        if german {
            b.delimiter(b';').terminator(csv::Terminator::CRLF);
        }
        b
    };
    let mut writer = builder().from_writer(Vec::with_capacity(1 << 20));
    writer.write_record(HEADER)?;
    let mut flush = |writer: csv::Writer<Vec<u8>>| -> anyhow::Result<()> {
        let chunk = writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("failed to format the CSV: {e}"))?;
        if german {
            let text = std::str::from_utf8(&chunk).context("the CSV is not UTF-8")?;
            let (encoded, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
            if unmappable {
                bail!("a cell has a character that Windows-1252 cannot write");
            }
            out.write_all(&encoded)?;
            bytes += encoded.len() as u64;
        } else {
            out.write_all(&chunk)?;
            bytes += chunk.len() as u64;
        }
        Ok(())
    };
    for n in 1..=rows {
        writer.write_record(row(&mut rng, n, german))?;
        if n % 10_000 == 0 {
            flush(std::mem::replace(
                &mut writer,
                builder().from_writer(Vec::with_capacity(1 << 20)),
            ))?;
        }
    }
    flush(writer)?;
    out.flush()?;
    writeln!(
        std::io::stderr(),
        "wrote {rows} rows x {} columns, {bytes} bytes ({}) in {:.2} s",
        HEADER.len(),
        if german {
            "Windows-1252, `;`"
        } else {
            "UTF-8, `,`"
        },
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}
