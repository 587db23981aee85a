//go:build unix

package gelf

import (
	"net"
	"syscall"
)

// receiveBufferSize returns the socket's SO_RCVBUF, or -1 if unknown.
func receiveBufferSize(c *net.UDPConn) int {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1
	}
	size := -1
	rc.Control(func(fd uintptr) {
		if v, err := syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF); err == nil {
			size = v
		}
	})
	return size
}
