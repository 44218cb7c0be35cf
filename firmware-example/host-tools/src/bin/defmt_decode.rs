//! `defmt-decode`: the defmt log decoder of the QEMU runner (`qemu-run.sh`).
//!
//! ```text
//! qemu-system-arm ... -kernel FIRMWARE.elf | defmt-decode FIRMWARE.elf
//! ```
//! Reads the defmt table of the firmware ELF named by its one argument, decodes the defmt stream on
//! stdin with it and prints every frame's message on a line of its own on stdout: the output of
//! `defmt-print -e FIRMWARE.elf --log-format '{s}' stdin` (defmt-print 1.2), byte for byte, with
//! the same decoding crate (`defmt-decoder`) and the same formatting path (a log frame through
//! `Formatter` with the format `{s}`, a `println!` frame as its bare message), without the
//! tool's TCP, serial, file-watching and command-line machinery, which the runner does not use
//! (and whose install compiled tokio, notify, goblin and clap).
//!
//! A frame the encoding can skip (rzCOBS, the firmware's encoding: every frame ends with a zero
//! byte) is skipped with a note on stderr, as defmt-print skips it (silently); the run still
//! succeeds. Errors go to stderr, naming what was wrong and in which file, and the exit status is
//! non-zero:
//! - 2: the command line (not exactly one ELF path);
//! - 1: the ELF cannot be read or parsed, it has no `.defmt` section, a malformed frame in an
//!   encoding that cannot skip it (raw), a read error on stdin, a stream that ends inside an
//!   rzCOBS frame (the program stopped mid-message or the stream was cut), or a write error on
//!   stdout.

use defmt_decoder::log::format::{Formatter, FormatterConfig};
use defmt_decoder::{DecodeError, Encoding, Frame, Table};
use std::fmt;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The command line, printed with every command-line error.
const USAGE: &str = "usage: defmt-decode <FIRMWARE.elf>  (the defmt stream on stdin; one message per line on stdout)";

/// Bytes read from the stream at a time (as defmt-print: the decoded lines appear as the program
/// writes them, not when the stream ends).
const READ_CHUNK: usize = 1024;

/// The format of a log frame's line: its message alone (`defmt-print --log-format '{s}'`).
const MESSAGE_FORMAT: &str = "{s}";

/// Why decoding failed.
#[derive(Debug)]
enum Failure {
    /// The command line is not one ELF path (the detail says what was given).
    Usage(String),
    /// The ELF file could not be read.
    ReadElf {
        /// The file.
        elf: PathBuf,
        /// The read error.
        error: io::Error,
    },
    /// The file is not an ELF with a defmt table this decoder understands (e.g. another defmt
    /// wire-format version).
    ParseElf {
        /// The file.
        elf: PathBuf,
        /// `defmt_decoder`'s message.
        message: String,
    },
    /// The ELF has no `.defmt` section.
    NoDefmtTable {
        /// The file.
        elf: PathBuf,
    },
    /// Reading the stream failed.
    ReadStream {
        /// Bytes of the stream read before the error.
        offset: u64,
        /// The read error.
        error: io::Error,
    },
    /// A malformed frame in an encoding that cannot skip it (raw): the rest of the stream cannot
    /// be decoded.
    Malformed {
        /// The ELF whose table the stream was decoded with.
        elf: PathBuf,
        /// Frames decoded before it.
        frames: u64,
        /// Bytes of the stream read when it was found (the frame starts before this offset).
        received: u64,
    },
    /// The stream ended inside an rzCOBS frame: its last bytes have no frame separator.
    Truncated {
        /// Bytes after the last frame separator.
        bytes: u64,
        /// Bytes of the stream in all.
        received: u64,
    },
    /// Writing the decoded lines failed.
    Write(io::Error),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(detail) => write!(f, "{detail}\n{USAGE}"),
            Failure::ReadElf { elf, error } => {
                write!(f, "cannot read the firmware ELF {}: {error}", elf.display())
            }
            Failure::ParseElf { elf, message } => write!(
                f,
                "{}: no defmt table could be read from it: {message}",
                elf.display()
            ),
            Failure::NoDefmtTable { elf } => write!(
                f,
                "{}: no .defmt section (not a program that logs with defmt, or not linked with defmt.x)",
                elf.display()
            ),
            Failure::ReadStream { offset, error } => write!(
                f,
                "cannot read the defmt stream on stdin after byte {offset}: {error}"
            ),
            Failure::Malformed {
                elf,
                frames,
                received,
            } => write!(
                f,
                "malformed defmt frame on stdin after {frames} frame(s), within its first {received} bytes, \
                 decoded with the table of {}: its raw encoding cannot skip a frame, the rest of the stream \
                 is lost (is the stream from this ELF?)",
                elf.display()
            ),
            Failure::Truncated { bytes, received } => write!(
                f,
                "the defmt stream on stdin ended inside a frame: its last {bytes} of {received} bytes have no \
                 frame separator (the program stopped mid-message, or the stream was cut)"
            ),
            Failure::Write(error) => write!(f, "cannot write the decoded log to stdout: {error}"),
        }
    }
}

/// The ELF path of the command line (the arguments after the program name).
fn elf_argument(mut args: impl Iterator<Item = std::ffi::OsString>) -> Result<PathBuf, Failure> {
    let Some(elf) = args.next() else {
        return Err(Failure::Usage("no firmware ELF given".into()));
    };
    if elf.to_string_lossy().starts_with('-') {
        return Err(Failure::Usage(format!(
            "unknown option `{}`",
            elf.to_string_lossy()
        )));
    }
    if let Some(extra) = args.next() {
        return Err(Failure::Usage(format!(
            "one firmware ELF only, `{}` is one argument too many",
            extra.to_string_lossy()
        )));
    }
    Ok(PathBuf::from(elf))
}

/// The defmt table of the ELF file `elf`.
fn read_table(elf: &Path) -> Result<Table, Failure> {
    let bytes = std::fs::read(elf).map_err(|error| Failure::ReadElf {
        elf: elf.to_path_buf(),
        error,
    })?;
    match Table::parse(&bytes) {
        Ok(Some(table)) => Ok(table),
        Ok(None) => Err(Failure::NoDefmtTable {
            elf: elf.to_path_buf(),
        }),
        Err(error) => Err(Failure::ParseElf {
            elf: elf.to_path_buf(),
            message: format!("{error:#}"),
        }),
    }
}

/// One frame's line (without its line feed), as defmt-print's stdout logger writes it: a log frame
/// (with a level) through the formatter, a `println!` frame (no level) as its message.
fn frame_line(formatter: &Formatter, frame: Frame<'_>) -> String {
    if frame.level().is_some() {
        formatter.format_frame(frame, None, None, None)
    } else {
        frame.display_message().to_string()
    }
}

/// Decodes the defmt stream `input` with the table of `elf` and writes one line per frame to
/// `output` (flushed after every chunk read); skipped frames are noted on `notes`. Returns the
/// number of frames written.
fn decode_stream(
    table: &Table,
    elf: &Path,
    mut input: impl Read,
    mut output: impl Write,
    mut notes: impl Write,
) -> Result<u64, Failure> {
    let mut config = FormatterConfig::custom(MESSAGE_FORMAT);
    config.is_timestamp_available = table.has_timestamp();
    let formatter = Formatter::new(config);
    let rzcobs = table.encoding() == Encoding::Rzcobs;
    let mut decoder = table.new_stream_decoder();
    let mut buf = [0u8; READ_CHUNK];
    let mut received = 0u64;
    let mut frames = 0u64;
    // rzCOBS ends every frame with a zero byte and has none inside one
    let mut after_separator = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(Failure::ReadStream {
                    offset: received,
                    error,
                });
            }
        };
        let chunk = &buf[..n];
        received += n as u64;
        after_separator = match chunk.iter().rposition(|&b| b == 0) {
            Some(i) => (n - 1 - i) as u64,
            None => after_separator + n as u64,
        };
        decoder.received(chunk);
        loop {
            match decoder.decode() {
                Ok(frame) => {
                    frames += 1;
                    writeln!(output, "{}", frame_line(&formatter, frame))
                        .map_err(Failure::Write)?;
                }
                Err(DecodeError::UnexpectedEof) => break,
                Err(DecodeError::Malformed) if table.encoding().can_recover() => {
                    // a note only: defmt-print skips it silently and succeeds (and when the note
                    // cannot be written either, there is nowhere left to report that)
                    let _ = writeln!(
                        notes,
                        "defmt-decode: skipped a malformed frame after {frames} frame(s), within the first \
                         {received} bytes of stdin (decoded with the table of {})",
                        elf.display()
                    );
                }
                Err(DecodeError::Malformed) => {
                    return Err(Failure::Malformed {
                        elf: elf.to_path_buf(),
                        frames,
                        received,
                    });
                }
            }
        }
        output.flush().map_err(Failure::Write)?;
    }
    if rzcobs && after_separator > 0 {
        return Err(Failure::Truncated {
            bytes: after_separator,
            received,
        });
    }
    Ok(frames)
}

/// The command: `defmt-decode <ELF>` with the stream on stdin.
fn run() -> Result<u64, Failure> {
    let elf = elf_argument(std::env::args_os().skip(1))?;
    let table = read_table(&elf)?;
    let stdout = BufWriter::new(io::stdout().lock());
    decode_stream(&table, &elf, io::stdin().lock(), stdout, io::stderr())
}

fn main() -> ExitCode {
    match run() {
        Ok(_) => ExitCode::SUCCESS,
        Err(failure) => {
            // not eprintln!, which panics when stderr is a closed pipe
            let _ = writeln!(io::stderr(), "defmt-decode: {failure}");
            ExitCode::from(match failure {
                Failure::Usage(_) => 2,
                _ => 1,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    /// A defmt table with a `println!` string (index 1), an info log with a `u8` argument (2) and
    /// a warning with a string argument (3), in the given encoding ("Rzcobs" or "Raw"). The table
    /// is serde; its JSON form is defmt-decoder's own.
    fn table(encoding: &str) -> Table {
        let json = format!(
            r#"{{"timestamp": null, "bitflags": {{}}, "encoding": "{encoding}", "entries": {{
                "1": {{"string": {{"tag": "Println", "string": "self-test"}}, "raw_symbol": "a"}},
                "2": {{"string": {{"tag": "Info", "string": "replayed {{=u8}} strokes"}}, "raw_symbol": "b"}},
                "3": {{"string": {{"tag": "Warn", "string": "refused: {{=str}}"}}, "raw_symbol": "c"}}
            }}}}"#
        );
        serde_json::from_str(&json).expect("the test table parses")
    }

    /// rzCOBS-encodes one frame and its separator: the encoder of defmt 1.2
    /// (`defmt/src/encoding/rzcobs.rs`), which the firmware runs.
    fn rzcobs_frame(data: &[u8]) -> Vec<u8> {
        let (mut out, mut run, mut zeros) = (Vec::new(), 0u8, 0u8);
        for &byte in data {
            if run < 7 {
                if byte == 0 {
                    zeros |= 1 << run;
                } else {
                    out.push(byte);
                }
                run += 1;
                if run == 7 && zeros != 0 {
                    out.push(zeros);
                    (run, zeros) = (0, 0);
                }
            } else if byte == 0 {
                out.push((run - 7) | 0x80);
                (run, zeros) = (0, 0);
            } else {
                out.push(byte);
                run += 1;
                if run == 134 {
                    out.push(0xFF);
                    (run, zeros) = (0, 0);
                }
            }
        }
        match run {
            0 => {}
            1..=6 => out.push((zeros | (0xFF << run)) & 0x7F),
            _ => out.push((run - 7) | 0x80),
        }
        out.push(0);
        out
    }

    /// The frames of the test table: index (u16 LE) and arguments (a string: u32 LE length, bytes).
    const PRINTLN: &[u8] = &[1, 0];
    const REPLAYED_40: &[u8] = &[2, 0, 40];
    const REFUSED_CRC: &[u8] = &[3, 0, 3, 0, 0, 0, b'C', b'R', b'C'];
    /// An index the table does not have.
    const UNKNOWN: &[u8] = &[9, 0];

    /// Decodes `input` with `table`; the decoded lines and the notes.
    fn decode(table: &Table, input: &[u8]) -> (Result<u64, Failure>, String, String) {
        let (mut out, mut notes) = (Vec::new(), Vec::new());
        let result = decode_stream(table, Path::new("fw.elf"), input, &mut out, &mut notes);
        let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
        (result, text(out), text(notes))
    }

    #[test]
    fn the_encoder_matches_defmts_vectors() {
        // from defmt 1.2's rzcobs tests
        assert_eq!(rzcobs_frame(&[0x01, 0x02]), [0x01, 0x02, 0x7c, 0x00]);
        assert_eq!(rzcobs_frame(&[0x00, 0x01]), [0x01, 0x7d, 0x00]);
        assert_eq!(
            rzcobs_frame(&[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
            [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x80, 0x00]
        );
    }

    #[test]
    fn prints_each_frames_message_on_a_line() {
        let mut stream = vec![0]; // the encoder's separator before the first frame
        for frame in [PRINTLN, REPLAYED_40, REFUSED_CRC] {
            stream.extend(rzcobs_frame(frame));
        }
        let (result, out, notes) = decode(&table("Rzcobs"), &stream);
        assert_eq!(result.expect("decodes"), 3);
        assert_eq!(out, "self-test\nreplayed 40 strokes\nrefused: CRC\n");
        assert_eq!(notes, "");
    }

    #[test]
    fn a_stream_read_a_byte_at_a_time_decodes_the_same() {
        /// Hands out one byte per read.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let stream = [rzcobs_frame(REPLAYED_40), rzcobs_frame(PRINTLN)].concat();
        let mut out = Vec::new();
        let frames = decode_stream(
            &table("Rzcobs"),
            Path::new("fw.elf"),
            Trickle(&stream),
            &mut out,
            io::sink(),
        )
        .expect("decodes");
        assert_eq!(frames, 2);
        assert_eq!(out, b"replayed 40 strokes\nself-test\n");
    }

    #[test]
    fn skips_a_malformed_rzcobs_frame_with_a_note() {
        let stream = [
            rzcobs_frame(REPLAYED_40),
            rzcobs_frame(UNKNOWN),
            rzcobs_frame(PRINTLN),
        ]
        .concat();
        let (result, out, notes) = decode(&table("Rzcobs"), &stream);
        assert_eq!(result.expect("decodes"), 2);
        assert_eq!(out, "replayed 40 strokes\nself-test\n");
        assert!(
            notes.contains("skipped a malformed frame after 1 frame(s)")
                && notes.contains("fw.elf"),
            "{notes}"
        );
    }

    #[test]
    fn a_stream_ending_inside_a_frame_is_an_error() {
        let mut stream = rzcobs_frame(REPLAYED_40);
        let partial = rzcobs_frame(REFUSED_CRC);
        stream.extend(&partial[..4]);
        let (result, out, _) = decode(&table("Rzcobs"), &stream);
        assert_eq!(out, "replayed 40 strokes\n");
        let message = result.expect_err("truncated").to_string();
        assert!(
            message.contains("ended inside a frame: its last 4 of 8 bytes"),
            "{message}"
        );
    }

    #[test]
    fn a_malformed_raw_frame_stops_the_decoding() {
        let stream = [REPLAYED_40, UNKNOWN, PRINTLN].concat();
        let (result, out, _) = decode(&table("Raw"), &stream);
        assert_eq!(out, "replayed 40 strokes\n");
        let message = result.expect_err("malformed").to_string();
        assert!(
            message.contains("after 1 frame(s), within its first 7 bytes")
                && message.contains("table of fw.elf"),
            "{message}"
        );
    }

    #[test]
    fn a_raw_stream_decodes() {
        let stream = [REFUSED_CRC, PRINTLN].concat();
        let (result, out, _) = decode(&table("Raw"), &stream);
        assert_eq!(result.expect("decodes"), 2);
        assert_eq!(out, "refused: CRC\nself-test\n");
    }

    #[test]
    fn a_write_error_is_reported() {
        /// Refuses every write.
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let stream = rzcobs_frame(PRINTLN);
        let result = decode_stream(
            &table("Rzcobs"),
            Path::new("fw.elf"),
            stream.as_slice(),
            Closed,
            io::sink(),
        );
        let message = result.expect_err("write error").to_string();
        assert!(
            message.starts_with("cannot write the decoded log to stdout"),
            "{message}"
        );
    }

    #[test]
    fn the_command_line_is_one_elf_path() {
        let args = |list: &[&str]| {
            list.iter()
                .map(OsString::from)
                .collect::<Vec<_>>()
                .into_iter()
        };
        assert_eq!(
            elf_argument(args(&["target/fw.elf"])).expect("one path"),
            PathBuf::from("target/fw.elf")
        );
        for (list, expected) in [
            (&[][..], "no firmware ELF given"),
            (&["-e"][..], "unknown option `-e`"),
            (
                &["a.elf", "stdin"][..],
                "one firmware ELF only, `stdin` is one argument too many",
            ),
        ] {
            let message = elf_argument(args(list)).expect_err("refused").to_string();
            assert!(
                message.starts_with(expected) && message.ends_with(USAGE),
                "{message}"
            );
        }
    }

    #[test]
    fn an_elf_that_is_missing_or_not_an_elf_is_named() {
        let dir = std::env::temp_dir().join(format!("defmt-decode-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let missing = dir.join("missing.elf");
        let message = read_table(&missing).expect_err("missing").to_string();
        assert!(
            message.starts_with("cannot read the firmware ELF") && message.contains("missing.elf"),
            "{message}"
        );
        let text = dir.join("notes.txt");
        std::fs::write(&text, "not an ELF").expect("written");
        let message = read_table(&text).expect_err("not an ELF").to_string();
        assert!(
            message.contains("notes.txt: no defmt table could be read from it"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).expect("removed");
    }
}
