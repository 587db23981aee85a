package file

const description = "Follows log files as they grow (`mode => tail`, like `tail -F`) or reads them once (`mode => read`), " +
	"and makes an event per line with the codec (`line` by default; `json_lines`, `multiline`, ...). " +
	"It is the input behind `sluice ship` and takes Logstash's file input settings, plus Filebeat's where Logstash has none.\n\n" +
	"Each event gets the file's path in `[log][file][path]`, the line's byte offset in `[log][offset]` and the host name in " +
	"`[host][name]` (ECS `v1`/`v8`, the default; with `ecs_compatibility => disabled`: `path` and `host`; `[log][offset]` in both). " +
	"A line longer than `max_bytes` is cut, the rest of it skipped, and the event gets `[log][flags] => [\"truncated\"]`, as Filebeat. " +
	"Invalid UTF-8 is kept as far as possible: the `line` codec replaces each invalid byte by U+FFFD (as Filebeat does for `encoding: utf-8`); " +
	"other character sets are decoded with the codec's `charset`.\n\n" +
	"### Delivery: at-least-once\n\n" +
	"A file's offset is saved only from the pipeline's acknowledgement: once every event made from its lines went through every " +
	"output (the beats output's ACK, the elasticsearch bulk result, the file output's write). Offsets are saved in file order. " +
	"After a crash (even `kill -9`) the input resumes from the last saved offset: no line is lost, and the lines read but not " +
	"yet acknowledged (at most the pipeline's in-flight events, plus `sincedb_write_interval` worth of acknowledged ones) may be sent again. " +
	"With a codec that holds lines back (`multiline`), an event's offset is saved as the start of the line that completed it (`what => previous`), " +
	"so lines still held are never counted as delivered, or as the end of its last line when that line ended it and nothing is held (`what => next`, `mode => count`, `flush_pattern`); " +
	"`[log][offset]` of a joined event is the offset of its first line.\n\n" +
	"### The registry (sincedb)\n\n" +
	"The registry is one JSON document per input (`sincedb_path`), format `sluice-file-registry` version 1, documented in " +
	"`shipper/REGISTRY.md`: per file its last path, acknowledged offset, device and inode, and fingerprint. It is written " +
	"atomically (a temporary file, fsync, rename over the old one, fsync of the directory), so a crash at any moment leaves " +
	"the old or the new registry, never a torn one. A registry that cannot be read (corrupted by hand or by a disk fault) is " +
	"**not** silently reset: the input refuses to start, says why, and keeps a copy (`<sincedb_path>.corrupt-<time>`); " +
	"remove or fix the file to go on. It is not compatible with Logstash's sincedb or Filebeat's registry.\n\n" +
	"Entries go away with `clean_removed` (the file was deleted) and with `sincedb_clean_after` (default two weeks, as Logstash): an entry is dropped when no scan " +
	"saw its file for that long — not matched by `path` and not present under the name the entry knows (a rotated file renamed out of the patterns, for example). " +
	"Unlike Logstash, which expires entries of files that did not change for that long even when they are still watched, a file that is still there keeps its entry, " +
	"so an old, quiet log is never read again from its beginning; `0` keeps entries for ever.\n\n" +
	"### gzip files (read mode)\n\n" +
	"In `mode => read`, a file whose name ends in `.gz` or `.gzip`, or whose first bytes are gzip's magic number, is decompressed (concatenated gzip members included) and " +
	"its lines read like a plain file's; `[log][offset]` is the line's position in the decompressed text. As in Logstash, a compressed file is read whole: " +
	"nothing is saved in the registry until every line of it was acknowledged, then the entry gets the file's size and `file_completed_action` applies. " +
	"A file whose reading was interrupted (stop, crash) is read again from its beginning at the next start, so its lines sent before the interruption arrive twice. " +
	"A corrupt or truncated gzip file is logged as an error naming the file; the lines decompressed before the damage are sent, the file is not completed (not deleted), " +
	"is not read again while it is unchanged, and the other files go on. In `mode => tail` gzip files are not decompressed: exclude them (`exclude => [\"*.gz\"]`).\n\n" +
	"### File identity\n\n" +
	"`file_identity => fingerprint` (default, as Filebeat 9) recognises a file by a SHA-256 of its first `fingerprint_length` (1024) bytes: " +
	"a renamed file keeps its offset, a new file that reuses an old file's inode is not mistaken for it. A file shorter than " +
	"that is identified by the bytes it has, and its fingerprint grows with it (Filebeat ignores such files until they are long enough). " +
	"Files whose first bytes are identical (a common header) count as one file: use `native` (device + inode) for those.\n\n" +
	"### Rotation\n\n" +
	"Every open file is read through its open descriptor, so:\n\n" +
	"- **rename and create** (logrotate's default, Python's `RotatingFileHandler` and `TimedRotatingFileHandler`): the renamed file is read " +
	"to its end (and kept open until `close_older`, as a writer may still append to it), the new file is found by a notification or the next " +
	"scan and read from its beginning — also when `start_position => end`, which only applies to the files present at the very first start;\n" +
	"- **copytruncate**: truncation is noticed (the file is shorter than what was read, or its first bytes changed). Filebeat and Logstash then " +
	"start over at offset 0 and lose the lines that were written before the copy but not yet read. Sluice looks beside the file for the copy " +
	"(a file whose name starts with the file's name without extension, with the same first bytes and at least as long as what was read) " +
	"and reads the missing lines from the copy before starting over on the truncated file. If the reader fell so far behind that the file was copied and " +
	"truncated several times in between, the later copies that no reader saw (newer than that copy, not compressed, not excluded) are read in full too. " +
	"Lines written between the copy and the truncation " +
	"are lost by copytruncate itself (logrotate documents this); prefer rename-and-create;\n" +
	"- **truncation in place** (`> app.log`, `truncate -s0`): read again from the start;\n" +
	"- **deleted while open**: the open descriptor is read to the end, then closed (the registry entry is then forgotten with `clean_removed`);\n" +
	"- **a file that appears (or grows, or is renamed) while Sluice is stopped**: found at start-up, resumed from its saved offset when its fingerprint is known, else read from the beginning " +
	"(`start_position => end` only skips what was there at the very first start, when no registry existed);\n" +
	"- **a file shorter than its saved offset at start-up** (truncated while stopped): read from the beginning.\n\n" +
	"Notifications (inotify through fsnotify) wake the reader of a file as soon as it changes and trigger a scan when files appear; " +
	"polling every `stat_interval` (open files) and `discover_interval` (globs) stays on as the safety net, e.g. on file systems without notifications. " +
	"Directories are watched once a scan found them: a new directory under a `**` pattern is found by the next `discover_interval` scan. " +
	"A file created, filled and renamed out of the `path` patterns between two scans is still read when notifications work (it is opened as soon as it is created, or followed to its new name when the rename is reported); " +
	"with polling only, include the rotated names in `path` (e.g. `app.log*` with `exclude => [\"*.gz\"]`) so that nothing depends on timing.\n\n" +
	"### Many files, bad files\n\n" +
	"Memory is bounded: a file takes a read buffer (64 KiB) only for one read and the hand-over of its lines, which at most as many files as there are CPUs (at least 2) do at once; " +
	"at most 128 decoded events wait per file for a full pipeline, and at most `max_bytes` of an unfinished line is kept per file. At most `max_open_files` files are open; when more files have unread data, files at their end are closed to make room, and open again when they grow. " +
	"A file without new bytes for `close_older` seconds is closed. A last line without a newline is sent at the end of the file in read mode, and " +
	"when the file is closed for inactivity in tail mode (a line completed later is then sent in two parts). " +
	"A file that cannot be opened (permissions) is logged once and retried at every scan.\n\n" +
	"### Differences from Logstash\n\n" +
	"- `start_position => end` applies only at the very first start (no registry yet). Logstash applies it to every file missing from its sincedb, so lines written to a file created while it was stopped, or just after a rotation, can be skipped.\n" +
	"- `discover_interval` is in seconds (Logstash: a multiple of `stat_interval`); `sincedb_write_interval` defaults to 1 s (Logstash: 15 s) — it is also when acknowledged offsets become durable.\n" +
	"- The registry saves acknowledged offsets (Logstash's sincedb saves read offsets, so a crash can lose events in flight).\n" +
	"- In read mode the file is deleted or logged only once all its events were acknowledged.\n" +
	"- `sincedb_clean_after` counts from when a scan last saw the file, not from its last change; `0` turns it off (Logstash: entries expire at once).\n" +
	"- Not supported: `file_chunk_size`, `file_chunk_count`, `file_sort_by`, `file_sort_direction`, `check_archive_validity` (a gzip file is checked as it is read).\n"
