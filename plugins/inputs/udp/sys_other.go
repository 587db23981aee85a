//go:build !unix

package udp

import "net"

func receiveBufferSize(*net.UDPConn) int { return -1 }

// truncated cannot be detected here: datagrams longer than buffer_size
// are cut without a tag.
func truncated(int) bool { return false }
