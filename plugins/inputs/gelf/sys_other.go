//go:build !unix

package gelf

import "net"

// receiveBufferSize is unknown here.
func receiveBufferSize(*net.UDPConn) int { return -1 }
