package queue

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// On-disk layout, format version 1 (see FORMAT.md).
const (
	formatVersion = 1
	pageMagic     = "SLQP"
	pageHeaderLen = 16 // magic, version, 3 reserved bytes, first sequence number
	recordHdrLen  = 8  // payload length, CRC32C of the payload
	ckptMagic     = "SLQC"
	ckptLen       = 20 // magic, version, 3 reserved, first unacked seq, CRC32C of the first 16 bytes
	// maxRecord bounds one record's payload; a longer length field is
	// corruption, never an allocation.
	maxRecord = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn reports a record cut short or failing its checksum.
var errTorn = errors.New("torn or corrupt record")

func appendPageHeader(dst []byte, firstSeq uint64) []byte {
	dst = append(dst, pageMagic...)
	dst = append(dst, formatVersion, 0, 0, 0)
	return binary.LittleEndian.AppendUint64(dst, firstSeq)
}

func parsePageHeader(b []byte) (uint64, error) {
	if len(b) < pageHeaderLen {
		return 0, fmt.Errorf("page header: %w", io.ErrUnexpectedEOF)
	}
	if string(b[:4]) != pageMagic {
		return 0, errors.New("page header: not a queue page (bad magic)")
	}
	if b[4] != formatVersion {
		return 0, fmt.Errorf("page header: format version %d, this Sluice reads version %d", b[4], formatVersion)
	}
	return binary.LittleEndian.Uint64(b[8:]), nil
}

// appendRecord appends a record header for payload (which the caller
// appends right after) — see beginRecord/endRecord for the in-place form.
func beginRecord(dst []byte) ([]byte, int) {
	at := len(dst)
	return append(dst, 0, 0, 0, 0, 0, 0, 0, 0), at
}

// endRecord fills in the header of the record that starts at at.
func endRecord(dst []byte, at int) []byte {
	payload := dst[at+recordHdrLen:]
	binary.LittleEndian.PutUint32(dst[at:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[at+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

// nextRecord parses the record at the start of b. It returns the payload
// and the record's total size; n == 0 with a nil error means b holds only
// part of a record (read more). A record that fails its checksum, or whose
// length is impossible, is errTorn.
func nextRecord(b []byte) (payload []byte, n int, err error) {
	if len(b) < recordHdrLen {
		return nil, 0, nil
	}
	l := binary.LittleEndian.Uint32(b)
	if l > maxRecord {
		return nil, 0, fmt.Errorf("%w: length %d", errTorn, l)
	}
	if l == 0 {
		// No event encodes to nothing; an all-zero header (whose CRC of
		// the empty payload matches) is a zeroed tail: the file grew but
		// its data never reached the disk.
		return nil, 0, fmt.Errorf("%w: zero length (a zeroed tail)", errTorn)
	}
	end := recordHdrLen + int(l)
	if len(b) < end {
		return nil, 0, nil
	}
	payload = b[recordHdrLen:end]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, 0, fmt.Errorf("%w: checksum mismatch", errTorn)
	}
	return payload, end, nil
}

// scanResult describes a page file after recovery.
type scanResult struct {
	firstSeq uint64
	count    uint64
	validLen int64 // bytes of header and whole, valid records
	fileLen  int64
	badErr   error // why the scan stopped before fileLen, if it did
}

// scanPage reads a page file and counts its valid records, stopping at the
// first torn or corrupt one.
func scanPage(f *os.File) (scanResult, error) {
	var r scanResult
	st, err := f.Stat()
	if err != nil {
		return r, err
	}
	r.fileLen = st.Size()
	hdr := make([]byte, pageHeaderLen)
	if _, err := f.ReadAt(hdr, 0); err != nil {
		return r, fmt.Errorf("page header: %w", err)
	}
	if r.firstSeq, err = parsePageHeader(hdr); err != nil {
		return r, err
	}
	r.validLen = pageHeaderLen
	buf := make([]byte, 0, 1<<20)
	off := int64(pageHeaderLen)
	for off < r.fileLen {
		// Read a chunk starting at the next record.
		want := min(r.fileLen-off, int64(cap(buf)))
		buf = buf[:want]
		if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
			return r, err
		}
		consumed := 0
		for {
			_, n, err := nextRecord(buf[consumed:])
			if err != nil {
				r.badErr = err
				r.validLen = off + int64(consumed)
				return r, nil
			}
			if n == 0 {
				break
			}
			consumed += n
			r.count++
		}
		if consumed == 0 {
			// The record at off does not fit in buf: grow buf, or the file
			// ends inside it.
			if len(buf) < recordHdrLen {
				r.badErr = fmt.Errorf("%w: cut short at the end of the file", errTorn)
				return r, nil
			}
			l := int64(binary.LittleEndian.Uint32(buf)) + recordHdrLen
			if off+l > r.fileLen {
				r.badErr = fmt.Errorf("%w: cut short at the end of the file", errTorn)
				return r, nil
			}
			buf = make([]byte, 0, l)
			continue
		}
		off += int64(consumed)
		r.validLen = off
	}
	return r, nil
}

// writeCheckpoint replaces the checkpoint file through a temporary file
// and a rename, which is atomic against a crash of the process; with
// durable it is also fsynced (against a crash of the machine).
func writeCheckpoint(path string, firstUnacked uint64, durable bool) error {
	b := make([]byte, 0, ckptLen)
	b = append(b, ckptMagic...)
	b = append(b, formatVersion, 0, 0, 0)
	b = binary.LittleEndian.AppendUint64(b, firstUnacked)
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if durable {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// readCheckpoint returns the first unacknowledged sequence number; ok is
// false when there is no checkpoint.
func readCheckpoint(path string) (seq uint64, ok bool, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	if len(b) != ckptLen || string(b[:4]) != ckptMagic {
		return 0, false, fmt.Errorf("checkpoint %s: not a queue checkpoint", path)
	}
	if b[4] != formatVersion {
		return 0, false, fmt.Errorf("checkpoint %s: format version %d, this Sluice reads version %d", path, b[4], formatVersion)
	}
	if crc32.Checksum(b[:16], castagnoli) != binary.LittleEndian.Uint32(b[16:]) {
		return 0, false, fmt.Errorf("checkpoint %s: checksum mismatch", path)
	}
	return binary.LittleEndian.Uint64(b[8:]), true, nil
}
