// Package dlq is the dead letter queue: events an output rejected for good
// (the elasticsearch output's 400 and 404 items), kept on disk with the
// reason so that the dead_letter_queue input can replay them once the
// cause is fixed.
//
// A pipeline's queue is a directory (<path.dead_letter_queue>/<pipeline
// id>/) of segment files written by one Writer and read by any number of
// Readers, which may follow the writer while it runs. The on-disk format
// is described in FORMAT.md beside this file.
package dlq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	// magic and version open every segment file.
	magic = "SDLQ"
	// Version is the version of the segment format this package writes
	// and reads.
	Version = 1

	headerSize = 8 // magic + uint32 version
	recHdrSize = 8 // uint32 length + uint32 CRC-32C

	// MaxRecordBytes bounds one record's payload. A longer event is not
	// written (Write returns an error); a length above it in a file means
	// the file is damaged from there on.
	MaxRecordBytes = 64 << 20

	segmentSuffix = ".log"
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Entry is one dead letter: the event and why it was rejected.
type Entry struct {
	// Time is when the event was written to the queue.
	Time time.Time
	// PluginType is the rejecting plugin's name ("elasticsearch"), PluginID
	// its id.
	PluginType, PluginID string
	// Reason is the output's explanation (the server's error).
	Reason string
	// Event is the event as JSON, @metadata included.
	Event []byte
}

var (
	errShort   = errors.New("incomplete record")
	errLength  = errors.New("invalid record length")
	errCRC     = errors.New("record checksum mismatch")
	errPayload = errors.New("malformed record payload")
)

// appendRecord appends the framed record for en to dst.
func appendRecord(dst []byte, en *Entry) []byte {
	start := len(dst)
	dst = append(dst, make([]byte, recHdrSize)...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(en.Time.UnixNano()))
	dst = appendStr16(dst, en.PluginType)
	dst = appendStr16(dst, en.PluginID)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(en.Reason)))
	dst = append(dst, en.Reason...)
	dst = append(dst, en.Event...)
	payload := dst[start+recHdrSize:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

func appendStr16(dst []byte, s string) []byte {
	if len(s) > 0xffff {
		s = s[:0xffff]
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(s)))
	return append(dst, s...)
}

// parseRecordHeader returns the payload length and checksum of the record
// header h (recHdrSize bytes).
func parseRecordHeader(h []byte) (n int, sum uint32, err error) {
	l := binary.BigEndian.Uint32(h)
	if l < minPayload || l > MaxRecordBytes {
		return 0, 0, fmt.Errorf("%w %d", errLength, l)
	}
	return int(l), binary.BigEndian.Uint32(h[4:]), nil
}

// minPayload is the size of a payload with empty strings and event.
const minPayload = 8 + 2 + 2 + 4

// decodePayload checks p against sum and splits it into en. The strings
// are copies; en.Event aliases p.
func decodePayload(p []byte, sum uint32, en *Entry) error {
	if crc32.Checksum(p, castagnoli) != sum {
		return errCRC
	}
	if len(p) < minPayload {
		return errPayload
	}
	en.Time = time.Unix(0, int64(binary.BigEndian.Uint64(p))).UTC()
	p = p[8:]
	var ok bool
	if en.PluginType, p, ok = str16(p); !ok {
		return errPayload
	}
	if en.PluginID, p, ok = str16(p); !ok {
		return errPayload
	}
	if len(p) < 4 {
		return errPayload
	}
	l := int(binary.BigEndian.Uint32(p))
	p = p[4:]
	if l > len(p) {
		return errPayload
	}
	en.Reason = string(p[:l])
	en.Event = p[l:]
	return nil
}

func str16(p []byte) (string, []byte, bool) {
	if len(p) < 2 {
		return "", nil, false
	}
	l := int(binary.BigEndian.Uint16(p))
	p = p[2:]
	if l > len(p) {
		return "", nil, false
	}
	return string(p[:l]), p[l:], true
}

// parseRecord decodes the record at the start of b, returning its size in
// bytes. errShort means b holds only part of a record; errCRC and
// errPayload come with the size (the record can be skipped); errLength
// means nothing after this point can be trusted.
func parseRecord(b []byte, en *Entry) (int, error) {
	if len(b) < recHdrSize {
		return 0, errShort
	}
	n, sum, err := parseRecordHeader(b)
	if err != nil {
		return 0, err
	}
	if len(b) < recHdrSize+n {
		return 0, errShort
	}
	return recHdrSize + n, decodePayload(b[recHdrSize:recHdrSize+n], sum, en)
}

func segmentHeader() []byte {
	h := []byte(magic)
	return binary.BigEndian.AppendUint32(h, Version)
}

func checkSegmentHeader(h []byte) error {
	if len(h) < headerSize {
		return errShort
	}
	if string(h[:4]) != magic {
		return fmt.Errorf("not a dead letter queue segment (magic %q)", h[:4])
	}
	if v := binary.BigEndian.Uint32(h[4:]); v != Version {
		return fmt.Errorf("segment format version %d, this Sluice reads version %d", v, Version)
	}
	return nil
}

func segmentName(seq uint64) string { return strconv.FormatUint(seq, 10) + segmentSuffix }

// segment is a segment file in a queue directory.
type segment struct {
	seq  uint64
	size int64
	mod  time.Time
}

// listSegments returns the segments in dir in order. A missing directory
// has none.
func listSegments(dir string) ([]segment, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("dead letter queue: list %s: %w", dir, err)
	}
	var out []segment
	for _, de := range ents {
		name := de.Name()
		if !strings.HasSuffix(name, segmentSuffix) || de.IsDir() {
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, segmentSuffix), 10, 64)
		if err != nil {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, segment{seq: seq, size: info.Size(), mod: info.ModTime()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out, nil
}

// scanSegment walks the records of the segment file at path and returns
// the number of records that can be framed and the offset just after the
// last record whose checksum matches: a writer truncates there, dropping a
// torn tail (a partial record, or zeros or garbage left by a crash).
// Damaged records before the last good one stay (readers skip them); an
// invalid length ends the scan.
func scanSegment(path string) (records int, end int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	h := make([]byte, headerSize)
	if _, err := f.ReadAt(h, 0); err != nil {
		return 0, 0, nil // shorter than a header: nothing usable
	}
	if err := checkSegmentHeader(h); err != nil {
		return 0, 0, err
	}
	info, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size := info.Size()
	off := int64(headerSize)
	end = off
	rh := make([]byte, recHdrSize)
	var buf []byte
	for off+recHdrSize <= size {
		if _, err := f.ReadAt(rh, off); err != nil {
			break
		}
		n, sum, err := parseRecordHeader(rh)
		if err != nil || off+recHdrSize+int64(n) > size {
			break
		}
		if cap(buf) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := f.ReadAt(buf, off+recHdrSize); err != nil {
			break
		}
		off += recHdrSize + int64(n)
		records++
		if crc32.Checksum(buf, castagnoli) == sum {
			end = off
		}
	}
	return records, end, nil
}

func segmentPath(dir string, seq uint64) string { return filepath.Join(dir, segmentName(seq)) }
