package shipper

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"syscall"
)

// Identity kinds (the file_identity setting).
const (
	IdentityFingerprint = "fingerprint"
	IdentityNative      = "native"
)

// DefaultFingerprintLength is how many leading bytes identify a file in
// fingerprint mode (Filebeat's default is 1024 bytes too).
const DefaultFingerprintLength = 1024

const maxFingerprintLength = 64 << 10

// fileID is a file's native identity.
type fileID struct{ dev, ino uint64 }

func nativeID(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{dev: uint64(st.Dev), ino: st.Ino}
	}
	return fileID{}
}

// nlink returns the file's link count (0 once deleted), or 1 when unknown.
func nlink(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// readPrefix reads up to n leading bytes of f into buf.
func readPrefix(f *os.File, buf []byte, n int) ([]byte, error) {
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	m, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return buf[:m], nil
}

// hashHex is the hex SHA-256 of p.
func hashHex(p []byte) string {
	sum := sha256.Sum256(p)
	return hex.EncodeToString(sum[:])
}
