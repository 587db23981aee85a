package grok

import (
	"reflect"
	"strings"
	"testing"
)

// The families added to complete the catalog, in both sets, on sample
// lines written for these tests. Expected captures are Logstash's: the
// first non-empty value of a field, converted as the pattern says.
func TestCatalogFamilies(t *testing.T) {
	tests := []struct {
		set, pattern, line string
		want               map[string]any
	}{
		// bro (legacy GREEDYDATA fields; ECS BRO_DATA and "-" for empty)
		{Legacy, "%{BRO_HTTP}", "1432555199.633017\tCJsdG95nCNF1RXuN5\t192.168.1.103\t60137\t93.184.216.34\t80\t1\tGET\texample.com\t/index.html\t-\tMozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0\t0\t1270\t200\tOK\t-\t-\t-\t(empty)\t-\t-\t-\t-\t-\tFmRNaj3Wu6xUmbXXJ1\ttext/html", map[string]any{
			"bro_tags": "(empty)", "domain": "example.com", "filename": "-", "info_code": "-", "info_msg": "-",
			"method": "GET", "orig_fuids": "-", "orig_h": "192.168.1.103", "orig_mime_types": "-", "orig_p": "60137",
			"password": "-", "proxied": "-", "referrer": "-", "request_body_len": "0",
			"resp_fuids": "FmRNaj3Wu6xUmbXXJ1", "resp_h": "93.184.216.34", "resp_mime_types": "text/html",
			"resp_p": "80", "response_body_len": "1270", "status_code": "200", "status_msg": "OK", "trans_depth": "1",
			"ts": "1432555199.633017", "uid": "CJsdG95nCNF1RXuN5", "uri": "/index.html",
			"user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0", "username": "-",
		}},
		{ECSV1, "%{BRO_HTTP}", "1432555199.633017\tCJsdG95nCNF1RXuN5\t192.168.1.103\t60137\t93.184.216.34\t80\t1\tGET\texample.com\t/index.html\t-\tMozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0\t0\t1270\t200\tOK\t-\t-\t-\t(empty)\t-\t-\t-\t-\t-\tFmRNaj3Wu6xUmbXXJ1\ttext/html", map[string]any{
			"[destination][ip]": "93.184.216.34", "[destination][port]": int64(80),
			"[http][request][body][bytes]": int64(0), "[http][request][method]": "GET",
			"[http][response][body][bytes]": int64(1270), "[http][response][mime_type]": "text/html",
			"[http][response][status_code]": int64(200), "[source][ip]": "192.168.1.103", "[source][port]": int64(60137),
			"[url][domain]": "example.com", "[url][original]": "/index.html",
			"[user_agent][original]":   "Mozilla/5.0 (X11; Linux x86_64; rv:38.0) Gecko/20100101 Firefox/38.0",
			"[zeek][http][resp_fuids]": "FmRNaj3Wu6xUmbXXJ1", "[zeek][http][status_msg]": "OK",
			"[zeek][http][trans_depth]": int64(1), "[zeek][session_id]": "CJsdG95nCNF1RXuN5",
			"timestamp": "1432555199.633017",
		}},
		{Legacy, "%{BRO_DNS}", "1600100200.455120\tCxT3pQ1aBc9DeF2gH4\t10.20.30.40\t49152\t10.20.30.1\t53\tudp\t31337\tmail.example.net\t1\tC_INTERNET\t15\tMX\t0\tNOERROR\tT\tF\tT\tT\t0\tmx1.example.net,mx2.example.net\t300.000000,300.000000\tF", map[string]any{
			"AA": "T", "RA": "T", "RD": "T", "TC": "F", "TTLs": "300.000000,300.000000", "Z": "0",
			"answers": "mx1.example.net,mx2.example.net", "orig_h": "10.20.30.40", "orig_p": "49152", "proto": "udp",
			"qclass": "1", "qclass_name": "C_INTERNET", "qtype": "15", "qtype_name": "MX", "query": "mail.example.net",
			"rcode": "0", "rcode_name": "NOERROR", "rejected": "F", "resp_h": "10.20.30.1", "resp_p": "53",
			"trans_id": "31337", "ts": "1600100200.455120", "uid": "CxT3pQ1aBc9DeF2gH4",
		}},
		{ECSV1, "%{BRO_DNS}", "1600100200.455120\tCxT3pQ1aBc9DeF2gH4\t10.20.30.40\t49152\t10.20.30.1\t53\tudp\t31337\tmail.example.net\t1\tC_INTERNET\t15\tMX\t0\tNOERROR\tT\tF\tT\tT\t0\tmx1.example.net,mx2.example.net\t300.000000,300.000000\tF", map[string]any{
			"[destination][ip]": "10.20.30.1", "[destination][port]": int64(53), "[dns][id]": int64(31337),
			"[dns][question][name]": "mail.example.net", "[dns][question][type]": "MX",
			"[dns][response_code]": "NOERROR", "[network][transport]": "udp", "[source][ip]": "10.20.30.40",
			"[source][port]": int64(49152), "[zeek][dns][AA]": "T", "[zeek][dns][RA]": "T", "[zeek][dns][RD]": "T",
			"[zeek][dns][TC]": "F", "[zeek][dns][TTLs]": "300.000000,300.000000", "[zeek][dns][Z]": int64(0),
			"[zeek][dns][answers]": "mx1.example.net,mx2.example.net", "[zeek][dns][qclass]": int64(1),
			"[zeek][dns][qclass_name]": "C_INTERNET", "[zeek][dns][qtype]": int64(15), "[zeek][dns][rcode]": int64(0),
			"[zeek][dns][rejected]": "F", "[zeek][session_id]": "CxT3pQ1aBc9DeF2gH4", "timestamp": "1600100200.455120",
		}},
		{Legacy, "%{BRO_CONN}", "1541079186.405314\tCSOd4x2eBQCwmCUxe2\t10.0.2.15\t49786\t172.217.7.206\t443\ttcp\tssl\t0.182304\t748\t4637\tSF\t-\t0\tShADadFf\t10\t1160\t9\t5009\t(empty)", map[string]any{
			"conn_state": "SF", "duration": "0.182304", "history": "ShADadFf", "local_orig": "-", "missed_bytes": "0",
			"orig_bytes": "748", "orig_h": "10.0.2.15", "orig_ip_bytes": "1160", "orig_p": "49786", "orig_pkts": "10",
			"proto": "tcp", "resp_bytes": "4637", "resp_h": "172.217.7.206", "resp_ip_bytes": "5009", "resp_p": "443",
			"resp_pkts": "9", "service": "ssl", "ts": "1541079186.405314", "tunnel_parents": "(empty)",
			"uid": "CSOd4x2eBQCwmCUxe2",
		}},
		{ECSV1, "%{BRO_CONN}", "1541079186.405314\tCSOd4x2eBQCwmCUxe2\t10.0.2.15\t49786\t172.217.7.206\t443\ttcp\tssl\t0.182304\t748\t4637\tSF\tT\tF\t0\tShADadFf\t10\t1160\t9\t5009\t(empty)", map[string]any{
			"[destination][bytes]": int64(5009), "[destination][ip]": "172.217.7.206",
			"[destination][packets]": int64(9), "[destination][port]": int64(443), "[network][protocol]": "ssl",
			"[network][transport]": "tcp", "[source][bytes]": int64(1160), "[source][ip]": "10.0.2.15",
			"[source][packets]": int64(10), "[source][port]": int64(49786),
			"[zeek][connection][duration]": float64(0.182304), "[zeek][connection][history]": "ShADadFf",
			"[zeek][connection][local_orig]": "T", "[zeek][connection][local_resp]": "F",
			"[zeek][connection][missed_bytes]": int64(0), "[zeek][connection][orig_bytes]": int64(748),
			"[zeek][connection][resp_bytes]": int64(4637), "[zeek][connection][state]": "SF",
			"[zeek][session_id]": "CSOd4x2eBQCwmCUxe2", "timestamp": "1541079186.405314",
		}},
		{Legacy, "%{BRO_FILES}", "1541079186.551247\tFg2Bvb3FgDHoU3ywd6\t172.217.7.206\t10.0.2.15\tCSOd4x2eBQCwmCUxe2\tSSL\t0\tX509,MD5,SHA1\tapplication/pkix-cert\t-\t0.000000\t-\tF\t1645\t-\t0\t0\tF\t-\t8e7d0a0b4a2b1c2d3e4f5a6b7c8d9e0f\tb4c8e3a2d1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6\t-\t-", map[string]any{
			"analyzers": "X509,MD5,SHA1", "conn_uids": "CSOd4x2eBQCwmCUxe2", "depth": "0", "duration": "0.000000",
			"extracted": "-", "filename": "-", "fuid": "Fg2Bvb3FgDHoU3ywd6", "is_orig": "F", "local_orig": "-",
			"md5": "8e7d0a0b4a2b1c2d3e4f5a6b7c8d9e0f", "mime_type": "application/pkix-cert", "missing_bytes": "0",
			"overflow_bytes": "0", "parent_fuid": "-", "rx_hosts": "10.0.2.15", "seen_bytes": "1645",
			"sha1": "b4c8e3a2d1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6", "sha256": "-", "source": "SSL", "timedout": "F",
			"total_bytes": "-", "ts": "1541079186.551247", "tx_hosts": "172.217.7.206",
		}},
		{ECSV1, "%{BRO_FILES}", "1541079186.551247\tFg2Bvb3FgDHoU3ywd6\t172.217.7.206\t10.0.2.15\tCSOd4x2eBQCwmCUxe2\tSSL\t0\tX509,MD5,SHA1\tapplication/pkix-cert\t-\t0.000000\t-\tF\t1645\t-\t0\t0\tF\t-\t8e7d0a0b4a2b1c2d3e4f5a6b7c8d9e0f\tb4c8e3a2d1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6\t-\t-", map[string]any{
			"[client][ip]": "10.0.2.15", "[file][hash][md5]": "8e7d0a0b4a2b1c2d3e4f5a6b7c8d9e0f",
			"[file][hash][sha1]": "b4c8e3a2d1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6",
			"[file][mime_type]":  "application/pkix-cert", "[server][ip]": "172.217.7.206",
			"[zeek][files][analyzers]": "X509,MD5,SHA1", "[zeek][files][depth]": int64(0),
			"[zeek][files][duration]": float64(0), "[zeek][files][fuid]": "Fg2Bvb3FgDHoU3ywd6",
			"[zeek][files][is_orig]": "F", "[zeek][files][missing_bytes]": int64(0),
			"[zeek][files][overflow_bytes]": int64(0), "[zeek][files][seen_bytes]": int64(1645),
			"[zeek][files][session_ids]": "CSOd4x2eBQCwmCUxe2", "[zeek][files][source]": "SSL",
			"[zeek][files][timedout]": "F", "timestamp": "1541079186.551247",
		}},
		// zeek (ECS set only, as in Logstash; the legacy set has no ZEEK_ names... see TestFamilyCounts)
		{ECSV1, "%{ZEEK_HTTP}", "1600000000.123456\tC1ZJ7r3Nq9oYbX4lQe\t10.1.1.5\t51234\t151.101.1.69\t80\t1\tGET\tstackoverflow.com\t/questions?sort=newest\thttp://stackoverflow.com/\t1.1\tcurl/7.68.0\t-\t0\t5120\t200\tOK\t-\t-\t(empty)\t-\t-\t-\t-\t-\t-\tFnPwyR2Sa6zMxqJdXk\t-\ttext/html", map[string]any{
			"[destination][ip]": "151.101.1.69", "[destination][port]": int64(80),
			"[http][request][body][bytes]": int64(0), "[http][request][method]": "GET",
			"[http][request][referrer]": "http://stackoverflow.com/", "[http][response][body][bytes]": int64(5120),
			"[http][response][mime_type]": "text/html", "[http][response][status_code]": int64(200),
			"[http][version]": "1.1", "[source][ip]": "10.1.1.5", "[source][port]": int64(51234),
			"[url][domain]": "stackoverflow.com", "[url][original]": "/questions?sort=newest",
			"[user_agent][original]": "curl/7.68.0", "[zeek][http][resp_fuids]": "FnPwyR2Sa6zMxqJdXk",
			"[zeek][http][status_msg]": "OK", "[zeek][http][trans_depth]": int64(1),
			"[zeek][session_id]": "C1ZJ7r3Nq9oYbX4lQe", "timestamp": "1600000000.123456",
		}},
		{ECSV1, "%{ZEEK_DNS}", "1600000001.000100\tCq5Ai33eFKbHkFqz6b\t10.1.1.5\t53012\t10.1.1.1\t53\tudp\t4242\t0.012345\twww.elastic.co\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t34.120.127.130\t59.000000\tF", map[string]any{
			"[destination][ip]": "10.1.1.1", "[destination][port]": int64(53), "[dns][id]": int64(4242),
			"[dns][question][name]": "www.elastic.co", "[dns][question][type]": "A", "[dns][response_code]": "NOERROR",
			"[network][transport]": "udp", "[source][ip]": "10.1.1.5", "[source][port]": int64(53012),
			"[zeek][dns][AA]": "F", "[zeek][dns][RA]": "T", "[zeek][dns][RD]": "T", "[zeek][dns][TC]": "F",
			"[zeek][dns][TTLs]": "59.000000", "[zeek][dns][Z]": int64(0), "[zeek][dns][answers]": "34.120.127.130",
			"[zeek][dns][qclass]": int64(1), "[zeek][dns][qclass_name]": "C_INTERNET", "[zeek][dns][qtype]": int64(1),
			"[zeek][dns][rcode]": int64(0), "[zeek][dns][rejected]": "F", "[zeek][dns][rtt]": float64(0.012345),
			"[zeek][session_id]": "Cq5Ai33eFKbHkFqz6b", "timestamp": "1600000001.000100",
		}},
		{ECSV1, "%{ZEEK_CONN}", "1600000002.500000\tCmES5u32sYpV7JYN\t10.1.1.5\t40000\t10.1.1.9\t22\ttcp\tssh\t12.500000\t3000\t4500\tSF\tT\tT\t0\tShAdDaFf\t40\t5100\t38\t6600\t-\t00:0c:29:aa:bb:cc\t00:50:56:dd:ee:ff", map[string]any{
			"[destination][bytes]": int64(6600), "[destination][ip]": "10.1.1.9",
			"[destination][mac]": "00:50:56:dd:ee:ff", "[destination][packets]": int64(38),
			"[destination][port]": int64(22), "[network][protocol]": "ssh", "[network][transport]": "tcp",
			"[source][bytes]": int64(5100), "[source][ip]": "10.1.1.5", "[source][mac]": "00:0c:29:aa:bb:cc",
			"[source][packets]": int64(40), "[source][port]": int64(40000),
			"[zeek][connection][duration]": float64(12.5), "[zeek][connection][history]": "ShAdDaFf",
			"[zeek][connection][local_orig]": "T", "[zeek][connection][local_resp]": "T",
			"[zeek][connection][missed_bytes]": int64(0), "[zeek][connection][orig_bytes]": int64(3000),
			"[zeek][connection][resp_bytes]": int64(4500), "[zeek][connection][state]": "SF",
			"[zeek][session_id]": "CmES5u32sYpV7JYN", "timestamp": "1600000002.500000",
		}},
		{ECSV1, "%{ZEEK_FILES}", "1600000003.000000\tFhwjYM0DyBdqmN2HMb\t151.101.1.69\t10.1.1.5\tC1ZJ7r3Nq9oYbX4lQe\tHTTP\t0\tMD5,SHA1\ttext/html\tindex.html\t0.000123\t-\tF\t5120\t5120\t0\t0\tF\t-\t0123456789abcdef0123456789abcdef\t0123456789abcdef0123456789abcdef01234567\t-\t-\t-\t-", map[string]any{
			"[client][ip]": "10.1.1.5", "[file][hash][md5]": "0123456789abcdef0123456789abcdef",
			"[file][hash][sha1]": "0123456789abcdef0123456789abcdef01234567", "[file][mime_type]": "text/html",
			"[file][name]": "index.html", "[file][size]": int64(5120), "[server][ip]": "151.101.1.69",
			"[zeek][files][analyzers]": "MD5,SHA1", "[zeek][files][depth]": int64(0),
			"[zeek][files][duration]": float64(0.000123), "[zeek][files][fuid]": "FhwjYM0DyBdqmN2HMb",
			"[zeek][files][is_orig]": "F", "[zeek][files][missing_bytes]": int64(0),
			"[zeek][files][overflow_bytes]": int64(0), "[zeek][files][seen_bytes]": int64(5120),
			"[zeek][files][session_ids]": "C1ZJ7r3Nq9oYbX4lQe", "[zeek][files][source]": "HTTP",
			"[zeek][files][timedout]": "F", "timestamp": "1600000003.000000",
		}},
		{ECSV1, "%{ZEEK_FILES}", "1600000003.000000\tFhwjYM0DyBdqmN2HMb\t151.101.1.69,151.101.65.69\t10.1.1.5\tC1ZJ7r3Nq9oYbX4lQe\tHTTP\t0\tMD5,SHA1\ttext/html\tindex.html\t0.000123\t-\tF\t5120\t5120\t0\t0\tF\t-\t0123456789abcdef0123456789abcdef\t0123456789abcdef0123456789abcdef01234567\t-\t-\t-\t-", map[string]any{
			"[client][ip]": "10.1.1.5", "[file][hash][md5]": "0123456789abcdef0123456789abcdef",
			"[file][hash][sha1]": "0123456789abcdef0123456789abcdef01234567", "[file][mime_type]": "text/html",
			"[file][name]": "index.html", "[file][size]": int64(5120), "[server][ip]": "151.101.1.69",
			"[zeek][files][analyzers]": "MD5,SHA1", "[zeek][files][depth]": int64(0),
			"[zeek][files][duration]": float64(0.000123), "[zeek][files][fuid]": "FhwjYM0DyBdqmN2HMb",
			"[zeek][files][is_orig]": "F", "[zeek][files][missing_bytes]": int64(0),
			"[zeek][files][overflow_bytes]": int64(0), "[zeek][files][seen_bytes]": int64(5120),
			"[zeek][files][session_ids]": "C1ZJ7r3Nq9oYbX4lQe", "[zeek][files][source]": "HTTP",
			"[zeek][files][timedout]": "F", "[zeek][files][tx_hosts]": "151.101.1.69,151.101.65.69",
			"timestamp": "1600000003.000000",
		}},
		// firewalls: Cisco ASA, iptables, Shorewall, SuSE firewall, NetScreen
		{Legacy, "%{CISCO_TAGGED_SYSLOG} %{GREEDYDATA:cisco_message}", `<166>Nov 24 2026 06:12:01 asa-edge-1 : %ASA-6-302013: Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)`, map[string]any{

			"cisco_message": "Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)",
			"ciscotag":      "ASA-6-302013", "syslog_pri": "166", "sysloghost": "asa-edge-1",
			"timestamp": "Nov 24 2026 06:12:01",
		}},
		{ECSV1, "%{CISCO_TAGGED_SYSLOG} %{GREEDYDATA:message}", `<166>Nov 24 2026 06:12:01 asa-edge-1 : %ASA-6-302013: Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)`, map[string]any{
			"[cisco][asa][tag]": "ASA-6-302013", "[host][hostname]": "asa-edge-1", "[log][syslog][priority]": int64(166),
			"message":   "Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)",
			"timestamp": "Nov 24 2026 06:12:01",
		}},
		{Legacy, "%{CISCOFW302013_302014_302015_302016}", `Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)`, map[string]any{
			"action": "Built", "connection_id": "447", "direction": "inbound", "dst_interface": "inside",
			"dst_ip": "10.10.1.20", "dst_mapped_ip": "198.51.100.7", "dst_mapped_port": "443", "dst_port": "443",
			"protocol": "TCP", "src_interface": "outside", "src_ip": "203.0.113.50", "src_mapped_ip": "203.0.113.50",
			"src_mapped_port": "51820", "src_port": "51820",
		}},
		{ECSV1, "%{CISCOFW302013_302014_302015_302016}", `Built inbound TCP connection 447 for outside:203.0.113.50/51820 (203.0.113.50/51820) to inside:10.10.1.20/443 (198.51.100.7/443)`, map[string]any{
			"[cisco][asa][connection_id]": "447", "[cisco][asa][network][direction]": "inbound",
			"[cisco][asa][network][transport]": "TCP", "[cisco][asa][outcome]": "Built",
			"[destination][ip]": "10.10.1.20", "[destination][nat][ip]": "198.51.100.7",
			"[destination][nat][port]": int64(443), "[destination][port]": int64(443),
			"[observer][egress][interface][name]": "inside", "[observer][ingress][interface][name]": "outside",
			"[source][ip]": "203.0.113.50", "[source][nat][ip]": "203.0.113.50", "[source][nat][port]": int64(51820),
			"[source][port]": int64(51820),
		}},
		{Legacy, "%{CISCOFW302013_302014_302015_302016}", `Teardown TCP connection 447 for outside:203.0.113.50/51820 to inside:10.10.1.20/443 duration 0:01:02 bytes 48213 TCP FINs`, map[string]any{
			"action": "Teardown", "bytes": "48213", "connection_id": "447", "dst_interface": "inside",
			"dst_ip": "10.10.1.20", "dst_port": "443", "duration": "0:01:02", "protocol": "TCP", "reason": "TCP FINs",
			"src_interface": "outside", "src_ip": "203.0.113.50", "src_port": "51820",
		}},
		{ECSV1, "%{CISCOFW302013_302014_302015_302016}", `Teardown TCP connection 447 for outside:203.0.113.50/51820 to inside:10.10.1.20/443 duration 0:01:02 bytes 48213 TCP FINs`, map[string]any{
			"[cisco][asa][connection_id]": "447", "[cisco][asa][duration]": "0:01:02",
			"[cisco][asa][network][transport]": "TCP", "[cisco][asa][outcome]": "Teardown",
			"[destination][ip]": "10.10.1.20", "[destination][port]": int64(443), "[event][reason]": "TCP FINs",
			"[network][bytes]": int64(48213), "[observer][egress][interface][name]": "inside",
			"[observer][ingress][interface][name]": "outside", "[source][ip]": "203.0.113.50",
			"[source][port]": int64(51820),
		}},
		{Legacy, "%{CISCOFW106023}", `Deny tcp src outside:198.51.100.23/46120 dst dmz:192.0.2.15/3389 by access-group "outside_access_in" [0x0, 0x0]`, map[string]any{
			"action": "Deny", "dst_interface": "dmz", "dst_ip": "192.0.2.15", "dst_port": "3389", "hashcode1": "0x0",
			"hashcode2": "0x0", "policy_id": "outside_access_in", "protocol": "tcp", "src_interface": "outside",
			"src_ip": "198.51.100.23", "src_port": "46120",
		}},
		{ECSV1, "%{CISCOFW106023}", `Deny tcp src outside:198.51.100.23/46120 dst dmz:192.0.2.15/3389 by access-group "outside_access_in" [0x0, 0x0]`, map[string]any{
			"[@metadata][cisco][asa][hashcode1]": "0x0", "[@metadata][cisco][asa][hashcode2]": "0x0",
			"[cisco][asa][network][transport]": "tcp", "[cisco][asa][outcome]": "Deny",
			"[cisco][asa][rule_name]": "outside_access_in", "[destination][ip]": "192.0.2.15",
			"[destination][port]": int64(3389), "[observer][egress][interface][name]": "dmz",
			"[observer][ingress][interface][name]": "outside", "[source][ip]": "198.51.100.23",
			"[source][port]": int64(46120),
		}},
		{ECSV1, "%{CISCOFW106023}", `Deny icmp src outside:198.51.100.23 dst dmz:192.0.2.15 (type 8, code 0) by access-group "outside_access_in" [0x5063b82f, 0x0]`, map[string]any{
			"[@metadata][cisco][asa][hashcode1]": "0x5063b82f", "[@metadata][cisco][asa][hashcode2]": "0x0",
			"[cisco][asa][icmp_code]": int64(0), "[cisco][asa][icmp_type]": int64(8),
			"[cisco][asa][network][transport]": "icmp", "[cisco][asa][outcome]": "Deny",
			"[cisco][asa][rule_name]": "outside_access_in", "[destination][ip]": "192.0.2.15",
			"[observer][egress][interface][name]": "dmz", "[observer][ingress][interface][name]": "outside",
			"[source][ip]": "198.51.100.23",
		}},
		{Legacy, "%{CISCOFW106001}", `Inbound TCP connection denied from 198.51.100.9/52001 to 192.0.2.80/80 flags SYN  on interface outside`, map[string]any{
			"action": "denied", "direction": "Inbound", "dst_ip": "192.0.2.80", "dst_port": "80", "interface": "outside",
			"protocol": "TCP", "src_ip": "198.51.100.9", "src_port": "52001", "tcp_flags": "SYN ",
		}},
		{ECSV1, "%{CISCOFW106001}", `Inbound TCP connection denied from 198.51.100.9/52001 to 192.0.2.80/80 flags SYN  on interface outside`, map[string]any{
			"[cisco][asa][network][direction]": "Inbound", "[cisco][asa][network][transport]": "TCP",
			"[cisco][asa][outcome]": "denied", "[cisco][asa][tcp_flags]": "SYN ", "[destination][ip]": "192.0.2.80",
			"[destination][port]": int64(80), "[observer][egress][interface][name]": "outside",
			"[source][ip]": "198.51.100.9", "[source][port]": int64(52001),
		}},
		{Legacy, "%{CISCOFW733100}", `[ Scanning] drop rate-1 exceeded. Current burst rate is 12 per second, max configured rate is 10; Current average rate is 5 per second, max configured rate is 5; Cumulative total count is 3127`, map[string]any{
			"drop_rate_current_avg": "5", "drop_rate_current_burst": "12", "drop_rate_id": "rate-1",
			"drop_rate_max_avg": "5", "drop_rate_max_burst": "10", "drop_total_count": "3127", "drop_type": "Scanning",
		}},
		{ECSV1, "%{CISCOFW733100}", `[ Scanning] drop rate-1 exceeded. Current burst rate is 12 per second, max configured rate is 10; Current average rate is 5 per second, max configured rate is 5; Cumulative total count is 3127`, map[string]any{
			"[cisco][asa][burst][avg_rate]": int64(5), "[cisco][asa][burst][configured_avg_rate]": int64(5),
			"[cisco][asa][burst][configured_rate]": int64(10), "[cisco][asa][burst][cumulative_count]": int64(3127),
			"[cisco][asa][burst][current_rate]": int64(12), "[cisco][asa][burst][id]": "rate-1",
			"[cisco][asa][burst][object]": "Scanning",
		}},
		{ECSV1, "%{IPTABLES}", `IN=eth0 OUT= MAC=00:16:3e:5a:0b:12:52:54:00:12:35:02:08:00 SRC=198.51.100.77 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 DF PROTO=TCP SPT=44321 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0`, map[string]any{
			"[destination][ip]": "10.0.0.5", "[destination][mac]": "00:16:3e:5a:0b:12", "[destination][port]": int64(22),
			"[iptables][fragment_flags]": "DF", "[iptables][id]": "4242", "[iptables][length]": int64(60),
			"[iptables][precedence_bits]": "00", "[iptables][tcp][flags]": "SYN ",
			"[iptables][tcp][window]": int64(29200), "[iptables][tcp_reserved_bits]": "00", "[iptables][tos]": "00",
			"[iptables][ttl]": int64(52), "[network][transport]": "TCP", "[observer][ingress][interface][name]": "eth0",
			"[source][ip]": "198.51.100.77", "[source][mac]": "52:54:00:12:35:02", "[source][port]": int64(44321),
		}},
		{ECSV1, "%{IPTABLES}", `IN=eth0 OUT= MAC=00:16:3e:5a:0b:12:52:54:00:12:35:02:08:00 SRC=198.51.100.77 DST=10.0.0.5 LEN=60 TOS=0x00 PREC=0x00 TTL=52 ID=4242 PROTO=UDP SPT=5353 DPT=53 LEN=40`, map[string]any{
			"[destination][ip]": "10.0.0.5", "[destination][mac]": "00:16:3e:5a:0b:12", "[destination][port]": int64(53),
			"[iptables][id]": "4242", "[iptables][length]": int64(60), "[iptables][precedence_bits]": "00",
			"[iptables][tos]": "00", "[iptables][ttl]": int64(52), "[network][transport]": "UDP",
			"[observer][ingress][interface][name]": "eth0", "[source][ip]": "198.51.100.77",
			"[source][mac]": "52:54:00:12:35:02", "[source][port]": int64(5353),
		}},
		{Legacy, "%{SHOREWALL}", `Oct  3 04:11:52 gw01 kernel: [88231.402115] Shorewall:INPUT:DROP:IN=ens3 OUT=ens4 SRC=203.0.113.77 DST=10.8.0.12 LEN=52 TOS=0x10 PREC=0x00 TTL=117 ID=31002 PROTO=TCP SPT=50321 DPT=445 LEN=32`, map[string]any{
			"nf_action1": "INPUT", "nf_action2": "DROP", "nf_dst_ip": "10.8.0.12", "nf_dst_port": "445",
			"nf_host": "gw01", "nf_id": "31002", "nf_in_interface": "ens3", "nf_len": "52", "nf_out_interface": "ens4",
			"nf_prec": "0x00", "nf_protocol": "TCP", "nf_src_ip": "203.0.113.77", "nf_src_port": "50321",
			"nf_tos": "0x10", "nf_ttl": "117", "timestamp": "Oct  3 04:11:52",
		}},
		{ECSV1, "%{SHOREWALL}", `Oct  3 04:11:52 gw01 kernel: [88231.402115] Shorewall:INPUT:DROP:IN=ens3 OUT=ens4 SRC=203.0.113.77 DST=10.8.0.12 LEN=52 TOS=0x10 PREC=0x00 TTL=117 ID=31002 PROTO=TCP SPT=50321 DPT=445 LEN=32`, map[string]any{
			"[destination][ip]": "10.8.0.12", "[destination][port]": int64(445), "[iptables][id]": "31002",
			"[iptables][length]": int64(52), "[iptables][precedence_bits]": "00", "[iptables][tos]": "10",
			"[iptables][ttl]": int64(117), "[network][transport]": "TCP", "[observer][egress][interface][name]": "ens4",
			"[observer][hostname]": "gw01", "[observer][ingress][interface][name]": "ens3",
			"[shorewall][firewall][action]": "DROP", "[shorewall][firewall][type]": "INPUT",
			"[source][ip]": "203.0.113.77", "[source][port]": int64(50321), "timestamp": "Oct  3 04:11:52",
		}},
		{Legacy, "%{SFW2}", `Mar 13 09:12:44 gw-suse kernel: [1234.567890] SFW2-INext-DROP-DEFLT IN=eth0 OUT= MAC=00:16:3e:5a:0b:12:52:54:00:12:35:02:08:00 SRC=203.0.113.9 DST=192.0.2.1 LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=54321 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0`, map[string]any{
			"nagios_epoch": "1234.567890", "nf_action": "DROP-DEFLT", "nf_dst_ip": "192.0.2.1",
			"nf_dst_mac": "00:16:3e:5a:0b:12", "nf_dst_port": "23", "nf_in_interface": "eth0", "nf_protocol": "TCP",
			"nf_src_ip": "203.0.113.9", "nf_src_mac": "52:54:00:12:35:02", "nf_src_port": "40000",
			"timestamp": "Mar 13 09:12:44",
		}},
		{ECSV1, "%{SFW2}", `Mar 13 09:12:44 gw-suse kernel: [1234.567890] SFW2-INext-DROP-DEFLT IN=eth0 OUT= MAC=00:16:3e:5a:0b:12:52:54:00:12:35:02:08:00 SRC=203.0.113.9 DST=192.0.2.1 LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=54321 PROTO=TCP SPT=40000 DPT=23 WINDOW=1024 RES=0x00 SYN URGP=0`, map[string]any{
			"[destination][ip]": "192.0.2.1", "[destination][mac]": "00:16:3e:5a:0b:12",
			"[destination][port]": int64(23), "[iptables][id]": "54321", "[iptables][length]": int64(44),
			"[iptables][precedence_bits]": "00", "[iptables][tcp][flags]": "SYN ",
			"[iptables][tcp][window]": int64(1024), "[iptables][tcp_reserved_bits]": "00", "[iptables][tos]": "00",
			"[iptables][ttl]": int64(241), "[network][transport]": "TCP", "[observer][hostname]": "gw-suse",
			"[observer][ingress][interface][name]": "eth0", "[source][ip]": "203.0.113.9",
			"[source][mac]": "52:54:00:12:35:02", "[source][port]": int64(40000),
			"[suse][firewall][action]": "DROP-DEFLT", "[suse][firewall][log_prefix]": "SFW2-INext-DROP-DEFLT",
			"timestamp": "Mar 13 09:12:44",
		}},
		{Legacy, "%{NETSCREENSESSIONLOG}", `Jun  2 14:53:31 fw1 fw1: NetScreen device_id=fw1  [Root]system-notification-00257(traffic): start_time="2026-06-02 14:53:30" duration=1 policy_id=12 service=dns proto=17 src zone=Trust dst zone=Untrust action=Permit sent=74 rcvd=135 src=10.1.1.10 dst=8.8.8.8 src_port=53410 dst_port=53 src-xlated ip=203.0.113.1 port=1028 dst-xlated ip=8.8.8.8 port=53 session_id=9912 reason=Close - RESP`, map[string]any{
			"action": "Permit", "date": "Jun  2 14:53:31", "device": "fw1", "device_id": "fw1", "dst_ip": "8.8.8.8",
			"dst_port": "53", "dst_xlated_ip": "8.8.8.8", "dst_xlated_port": "53", "dst_zone": "Untrust",
			"duration": "1", "policy_id": "12", "proto": "17", "rcvd": "135", "reason": "Close - RESP", "sent": "74",
			"service": "dns", "session_id": "9912", "src_ip": "10.1.1.10", "src_port": "53410",
			"src_xlated_ip": "203.0.113.1", "src_xlated_port": "1028", "src_zone": "Trust",
			"start_time": "\"2026-06-02 14:53:30\"",
		}},
		{ECSV1, "%{NETSCREENSESSIONLOG}", `Jun  2 14:53:31 fw1 fw1: NetScreen device_id=fw1  [Root]system-notification-00257(traffic): start_time="2026-06-02 14:53:30" duration=1 policy_id=12 service=dns proto=17 src zone=Trust dst zone=Untrust action=Permit sent=74 rcvd=135 src=10.1.1.10 dst=8.8.8.8 src_port=53410 dst_port=53 src-xlated ip=203.0.113.1 port=1028 dst-xlated ip=8.8.8.8 port=53 session_id=9912 reason=Close - RESP`, map[string]any{
			"[destination][address]": "8.8.8.8", "[destination][bytes]": int64(135), "[destination][nat][ip]": "8.8.8.8",
			"[destination][nat][port]": int64(53), "[destination][port]": int64(53), "[event][action]": "Permit",
			"[event][code]": "00257", "[netscreen][device_id]": "fw1", "[netscreen][policy_id]": "12",
			"[netscreen][protocol_number]": int64(17), "[netscreen][service]": "dns",
			"[netscreen][session][duration]": int64(1), "[netscreen][session][id]": "9912",
			"[netscreen][session][reason]": "Close - RESP", "[netscreen][session][start_time]": "2026-06-02 14:53:30",
			"[netscreen][session][type]": "traffic", "[observer][egress][zone]": "Untrust",
			"[observer][hostname]": "fw1", "[observer][ingress][zone]": "Trust", "[observer][name]": "fw1",
			"[observer][product]": "NetScreen", "[source][address]": "10.1.1.10", "[source][bytes]": int64(74),
			"[source][nat][ip]": "203.0.113.1", "[source][nat][port]": int64(1028), "[source][port]": int64(53410),
			"timestamp": "Jun  2 14:53:31",
		}},
		// junos
		{Legacy, "%{RT_FLOW1}", `RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.10/52311->93.184.216.34/443 junos-https 203.0.113.5/41001->93.184.216.34/443 source-nat-rule None 6 allow-web trust untrust 40217 14(1865) 12(6210) 5 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 UNKNOWN`, map[string]any{
			"close-reason": "session closed TCP FIN", "dst-ip": "93.184.216.34", "dst-nat-rule-name": "None",
			"dst-port": "443", "elapsed-time": "5", "event": "RT_FLOW_SESSION_CLOSE", "from-zone": "trust",
			"nat-dst-ip": "93.184.216.34", "nat-dst-port": "443", "nat-src-ip": "203.0.113.5", "nat-src-port": "41001",
			"policy-name": "allow-web", "protocol-id": "6", "received": "6210", "sent": "1865", "service": "junos-https",
			"session-id": "40217", "src-ip": "10.0.0.10", "src-nat-rule-name": "source-nat-rule", "src-port": "52311",
			"to-zone": "untrust",
		}},
		{ECSV1, "%{RT_FLOW1}", `RT_FLOW_SESSION_CLOSE: session closed TCP FIN: 10.0.0.10/52311->93.184.216.34/443 junos-https 203.0.113.5/41001->93.184.216.34/443 source-nat-rule None 6 allow-web trust untrust 40217 14(1865) 12(6210) 5 UNKNOWN UNKNOWN N/A(N/A) ge-0/0/1.0 UNKNOWN`, map[string]any{
			"[destination][bytes]": int64(6210), "[destination][ip]": "93.184.216.34",
			"[destination][nat][ip]": "93.184.216.34", "[destination][nat][port]": int64(443),
			"[destination][port]": int64(443), "[juniper][srx][elapsed_time]": int64(5),
			"[juniper][srx][reason]": "session closed TCP FIN", "[juniper][srx][service_name]": "junos-https",
			"[juniper][srx][session_id]": "40217", "[juniper][srx][src_nat_rule_name]": "source-nat-rule",
			"[juniper][srx][tag]": "RT_FLOW_SESSION_CLOSE", "[network][iana_number]": "6",
			"[observer][egress][zone]": "untrust", "[observer][ingress][zone]": "trust", "[rule][name]": "allow-web",
			"[source][bytes]": int64(1865), "[source][ip]": "10.0.0.10", "[source][nat][ip]": "203.0.113.5",
			"[source][nat][port]": int64(41001), "[source][port]": int64(52311),
		}},
		{Legacy, "%{RT_FLOW2}", `RT_FLOW_SESSION_CREATE: session created 10.0.0.10/52311->93.184.216.34/443 junos-https 203.0.113.5/41001->93.184.216.34/443 source-nat-rule None 6 allow-web trust untrust 40217 N/A(N/A) ge-0/0/1.0`, map[string]any{
			"dst-ip": "93.184.216.34", "dst-nat-rule-name": "None", "dst-port": "443", "event": "RT_FLOW_SESSION_CREATE",
			"from-zone": "trust", "nat-dst-ip": "93.184.216.34", "nat-dst-port": "443", "nat-src-ip": "203.0.113.5",
			"nat-src-port": "41001", "policy-name": "allow-web", "protocol-id": "6", "service": "junos-https",
			"session-id": "40217", "src-ip": "10.0.0.10", "src-nat-rule-name": "source-nat-rule", "src-port": "52311",
			"to-zone": "untrust",
		}},
		{ECSV1, "%{RT_FLOW2}", `RT_FLOW_SESSION_CREATE: session created 10.0.0.10/52311->93.184.216.34/443 junos-https 203.0.113.5/41001->93.184.216.34/443 source-nat-rule None 6 allow-web trust untrust 40217 N/A(N/A) ge-0/0/1.0`, map[string]any{
			"[destination][ip]": "93.184.216.34", "[destination][nat][ip]": "93.184.216.34",
			"[destination][nat][port]": int64(443), "[destination][port]": int64(443),
			"[juniper][srx][service_name]": "junos-https", "[juniper][srx][session_id]": "40217",
			"[juniper][srx][src_nat_rule_name]": "source-nat-rule", "[juniper][srx][tag]": "RT_FLOW_SESSION_CREATE",
			"[network][iana_number]": "6", "[observer][egress][zone]": "untrust", "[observer][ingress][zone]": "trust",
			"[rule][name]": "allow-web", "[source][ip]": "10.0.0.10", "[source][nat][ip]": "203.0.113.5",
			"[source][nat][port]": int64(41001), "[source][port]": int64(52311),
		}},
		{Legacy, "%{RT_FLOW3}", `RT_FLOW_SESSION_DENY: session denied 198.51.100.3/61000->192.0.2.10/23 junos-telnet 6(0) deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0`, map[string]any{
			"dst-ip": "192.0.2.10", "dst-port": "23", "event": "RT_FLOW_SESSION_DENY", "from-zone": "untrust",
			"policy-name": "deny-all", "protocol-id": "6", "service": "junos-telnet", "src-ip": "198.51.100.3",
			"src-port": "61000", "to-zone": "trust",
		}},
		{ECSV1, "%{RT_FLOW3}", `RT_FLOW_SESSION_DENY: session denied 198.51.100.3/61000->192.0.2.10/23 junos-telnet 6(0) deny-all untrust trust UNKNOWN UNKNOWN N/A(N/A) ge-0/0/0.0`, map[string]any{
			"[destination][ip]": "192.0.2.10", "[destination][port]": int64(23),
			"[juniper][srx][service_name]": "junos-telnet", "[juniper][srx][tag]": "RT_FLOW_SESSION_DENY",
			"[network][iana_number]": "6", "[observer][egress][zone]": "trust", "[observer][ingress][zone]": "untrust",
			"[rule][name]": "deny-all", "[source][ip]": "198.51.100.3", "[source][port]": int64(61000),
		}},
		// nagios
		{Legacy, "%{NAGIOSLOGLINE}", `[1764001800] SERVICE ALERT: web-01;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds`, map[string]any{
			"nagios_attempt": "3", "nagios_epoch": "1764001800", "nagios_hostname": "web-01",
			"nagios_message": "CRITICAL - Socket timeout after 10 seconds", "nagios_service": "HTTP",
			"nagios_state": "CRITICAL", "nagios_statelevel": "HARD", "nagios_type": "SERVICE ALERT",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764001800] SERVICE ALERT: web-01;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds`, map[string]any{
			"[host][hostname]": "web-01", "[nagios][log][attempt]": int64(3), "[nagios][log][state_type]": "HARD",
			"[nagios][log][type]": "SERVICE ALERT", "[service][name]": "HTTP", "[service][state]": "CRITICAL",
			"message": "CRITICAL - Socket timeout after 10 seconds", "timestamp": "1764001800",
		}},
		{Legacy, "%{NAGIOSLOGLINE}", `[1764001860] CURRENT HOST STATE: db-02;UP;HARD;1;PING OK - Packet loss = 0%, RTA = 0.42 ms`, map[string]any{
			"nagios_epoch": "1764001860", "nagios_hostname": "db-02",
			"nagios_message": "PING OK - Packet loss = 0%, RTA = 0.42 ms", "nagios_state": "UP", "nagios_statecode": "1",
			"nagios_statetype": "HARD", "nagios_type": "CURRENT HOST STATE",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764001860] CURRENT HOST STATE: db-02;UP;HARD;1;PING OK - Packet loss = 0%, RTA = 0.42 ms`, map[string]any{
			"[host][hostname]": "db-02", "[nagios][log][attempt]": int64(1), "[nagios][log][state_type]": "HARD",
			"[nagios][log][type]": "CURRENT HOST STATE", "[service][state]": "UP",
			"message": "PING OK - Packet loss = 0%, RTA = 0.42 ms", "timestamp": "1764001860",
		}},
		{Legacy, "%{NAGIOSLOGLINE}", `[1764003600] EXTERNAL COMMAND: SCHEDULE_HOST_DOWNTIME;db-02;1764003600;1764010800;1;0;7200;ops-admin;kernel upgrade`, map[string]any{
			"author": "ops-admin", "nagios_command": "SCHEDULE_HOST_DOWNTIME", "nagios_duration": "7200",
			"nagios_end_time": "1764010800", "nagios_epoch": "1764003600", "nagios_fixed": "1",
			"nagios_hostname": "db-02", "nagios_start_time": "1764003600", "nagios_trigger_id": "0",
			"nagios_type": "EXTERNAL COMMAND",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764003600] EXTERNAL COMMAND: SCHEDULE_HOST_DOWNTIME;db-02;1764003600;1764010800;1;0;7200;ops-admin;kernel upgrade`, map[string]any{
			"[host][hostname]": "db-02", "[nagios][log][command]": "SCHEDULE_HOST_DOWNTIME",
			"[nagios][log][duration]": int64(7200), "[nagios][log][end_time]": "1764010800", "[nagios][log][fixed]": "1",
			"[nagios][log][start_time]": "1764003600", "[nagios][log][trigger_id]": "0",
			"[nagios][log][type]": "EXTERNAL COMMAND", "[user][name]": "ops-admin", "timestamp": "1764003600",
		}},
		{Legacy, "%{NAGIOSLOGLINE}", `[1764001900] SERVICE NOTIFICATION: oncall;web-01;HTTP;CRITICAL;notify-service-by-email;CRITICAL - Socket timeout after 10 seconds`, map[string]any{
			"nagios_contact": "notify-service-by-email", "nagios_epoch": "1764001900", "nagios_hostname": "web-01",
			"nagios_message": "CRITICAL - Socket timeout after 10 seconds", "nagios_notifyname": "oncall",
			"nagios_service": "HTTP", "nagios_state": "CRITICAL", "nagios_type": "SERVICE NOTIFICATION",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764001900] SERVICE NOTIFICATION: oncall;web-01;HTTP;CRITICAL;notify-service-by-email;CRITICAL - Socket timeout after 10 seconds`, map[string]any{
			"[host][hostname]": "web-01", "[nagios][log][notification_command]": "notify-service-by-email",
			"[nagios][log][type]": "SERVICE NOTIFICATION", "[service][name]": "HTTP", "[service][state]": "CRITICAL",
			"[user][name]": "oncall", "message": "CRITICAL - Socket timeout after 10 seconds", "timestamp": "1764001900",
		}},
		{Legacy, "%{NAGIOSLOGLINE}", `[1764002000] Warning: Return code of 127 for check of service 'Disk' on host 'web-01' was out of bounds.`, map[string]any{
			"nagios_epoch":   "1764002000",
			"nagios_message": "Return code of 127 for check of service 'Disk' on host 'web-01' was out of bounds.",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764002000] Warning: Return code of 127 for check of service 'Disk' on host 'web-01' was out of bounds.`, map[string]any{
			"message":   "Return code of 127 for check of service 'Disk' on host 'web-01' was out of bounds.",
			"timestamp": "1764002000",
		}},
		{Legacy, "%{NAGIOSLOGLINE}", `[1764002100] EXTERNAL COMMAND: DISABLE_SVC_CHECK;web-01;Disk`, map[string]any{
			"nagios_command": "DISABLE_SVC_CHECK", "nagios_epoch": "1764002100", "nagios_hostname": "web-01",
			"nagios_type": "EXTERNAL COMMAND",
		}},
		{ECSV1, "%{NAGIOSLOGLINE}", `[1764002100] EXTERNAL COMMAND: DISABLE_SVC_CHECK;web-01;Disk`, map[string]any{
			"[host][hostname]": "web-01", "[nagios][log][command]": "DISABLE_SVC_CHECK",
			"[nagios][log][type]": "EXTERNAL COMMAND", "timestamp": "1764002100",
		}},
		// aws: CloudFront (a dash in the edge location is no WORD, in Logstash too)
		{Legacy, "%{CLOUDFRONT_ACCESS_LOG}", "2026-11-24\t06:31:12\tFRA2\t4523\t198.51.100.61\tGET\td3k9x2example.cloudfront.net\t/images/logo.png\t200\thttps://www.example.com/\tMozilla/5.0%20(Windows%20NT%2010.0)\t-\t-\tHit\tKx8n2Qm4Tz7Vb1Wc3Yd5Re6Sf9Gh0Jk2Ll4Mn6Op8QrStUvWx==\twww.example.com\thttps\t212\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit", map[string]any{
			"agent": "Mozilla/5.0%20(Windows%20NT%2010.0)", "clientip": "198.51.100.61", "cookies": "-",
			"cs_bytes": int64(212), "cs_host": "d3k9x2example.cloudfront.net", "cs_method": "GET",
			"cs_protocol": "https", "cs_uri_query": "-", "cs_uri_stem": "/images/logo.png",
			"referrer": "https://www.example.com/", "sc_bytes": int64(4523), "sc_status": int64(200),
			"ssl_cipher": "TLS_AES_128_GCM_SHA256", "ssl_protocol": "TLSv1.3", "time_taken": float64(0.001),
			"timestamp": "2026-11-24\t06:31:12", "x_edge_location": "FRA2",
			"x_edge_request_id":           "Kx8n2Qm4Tz7Vb1Wc3Yd5Re6Sf9Gh0Jk2Ll4Mn6Op8QrStUvWx==",
			"x_edge_response_result_type": "Hit", "x_edge_result_type": "Hit", "x_forwarded_for": "-",
			"x_host_header": "www.example.com",
		}},
		{ECSV1, "%{CLOUDFRONT_ACCESS_LOG}", "2026-11-24\t06:31:12\tFRA2\t4523\t198.51.100.61\tGET\td3k9x2example.cloudfront.net\t/images/logo.png\t200\thttps://www.example.com/\tMozilla/5.0%20(Windows%20NT%2010.0)\t-\t-\tHit\tKx8n2Qm4Tz7Vb1Wc3Yd5Re6Sf9Gh0Jk2Ll4Mn6Op8QrStUvWx==\twww.example.com\thttps\t212\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit\tHTTP/2.0\t-\t-\t55012\t0.001\tHit\timage/png\t4523\t-\t-", map[string]any{
			"[aws][cloudfront][http][request][host]": "www.example.com",
			"[aws][cloudfront][http][request][size]": int64(4523), "[aws][cloudfront][ssl_protocol]": "TLSv1.3",
			"[aws][cloudfront][time_taken]": float64(0.001), "[aws][cloudfront][time_to_first_byte]": float64(0.001),
			"[aws][cloudfront][x_edge_detailed_result_type]": "Hit", "[aws][cloudfront][x_edge_location]": "FRA2",
			"[aws][cloudfront][x_edge_request_id]":           "Kx8n2Qm4Tz7Vb1Wc3Yd5Re6Sf9Gh0Jk2Ll4Mn6Op8QrStUvWx==",
			"[aws][cloudfront][x_edge_response_result_type]": "Hit", "[aws][cloudfront][x_edge_result_type]": "Hit",
			"[destination][bytes]": int64(4523), "[http][request][method]": "GET",
			"[http][request][mime_type]": "image/png", "[http][request][referrer]": "https://www.example.com/",
			"[http][response][status_code]": int64(200), "[http][version]": "2.0", "[network][protocol]": "https",
			"[source][bytes]": int64(212), "[source][ip]": "198.51.100.61", "[source][port]": int64(55012),
			"[tls][cipher]": "TLS_AES_128_GCM_SHA256", "[url][domain]": "d3k9x2example.cloudfront.net",
			"[url][path]": "/images/logo.png", "[user_agent][original]": "Mozilla/5.0%20(Windows%20NT%2010.0)",
			"timestamp": "2026-11-24\t06:31:12",
		}},
		{Legacy, "%{CLOUDFRONT_ACCESS_LOG}", "2026-11-24\t06:31:12\tFRA56-C1\t4523\t198.51.100.61\tGET\td3k9x2example.cloudfront.net\t/images/logo.png\t200\thttps://www.example.com/\tMozilla/5.0\t-\t-\tHit\tKx8n2Qm4Tz7Vb1Wc3Yd5Re6Sf9Gh0Jk2Ll4Mn6Op8QrStUvWx==\twww.example.com\thttps\t212\t0.001\t-\tTLSv1.3\tTLS_AES_128_GCM_SHA256\tHit", nil},
		{ECSV1, "%{ELB_ACCESS_LOG}", `2026-11-24T06:02:59.527113Z prod-web-elb 203.0.113.18:51402 10.1.4.22:8080 0.000041 0.012873 0.000022 302 302 0 0 "GET https://shop.example.com:443/login?next=%2Fcart HTTP/1.1"`, map[string]any{
			"[aws][elb][backend][http][response][status_code]": int64(302), "[aws][elb][backend][ip]": "10.1.4.22",
			"[aws][elb][backend][port]": int64(8080), "[aws][elb][backend_processing_time][sec]": float64(0.012873),
			"[aws][elb][name]": "prod-web-elb", "[aws][elb][request_processing_time][sec]": float64(4.1e-05),
			"[aws][elb][response_processing_time][sec]": float64(2.2e-05), "[http][request][body][bytes]": int64(0),
			"[http][request][method]": "GET", "[http][response][body][bytes]": int64(0),
			"[http][response][status_code]": int64(302), "[http][version]": "1.1", "[source][ip]": "203.0.113.18",
			"[source][port]": int64(51402), "[url][domain]": "shop.example.com",
			"[url][original]": "https://shop.example.com:443/login?next=%2Fcart", "[url][path]": "/login",
			"[url][port]": int64(443), "[url][query]": "next=%2Fcart", "[url][scheme]": "https",
			"timestamp": "2026-11-24T06:02:59.527113Z",
		}},
		{Legacy, "%{ELB_ACCESS_LOG}", `2026-11-24T06:02:59.527113Z prod-web-elb 203.0.113.18:51402 10.1.4.22:8080 0.000041 0.012873 0.000022 302 302 0 0 "GET https://shop.example.com:443/login?next=%2Fcart HTTP/1.1"`, map[string]any{
			"backend_processing_time": float64(0.012873), "backend_response": int64(302), "backendip": "10.1.4.22",
			"backendport": int64(8080), "bytes": int64(0), "clientip": "203.0.113.18", "clientport": int64(51402),
			"elb": "prod-web-elb", "httpversion": "1.1", "params": "?next=%2Fcart", "path": "/login", "port": "443",
			"proto": "https", "received_bytes": int64(0), "request": "https://shop.example.com:443/login?next=%2Fcart",
			"request_processing_time": float64(4.1e-05), "response": int64(302),
			"response_processing_time": float64(2.2e-05), "timestamp": "2026-11-24T06:02:59.527113Z",
			"urihost": "shop.example.com:443", "verb": "GET",
		}},
		{ECSV1, "%{S3_ACCESS_LOG}", `5f1c0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1 logs-archive-eu [24/Nov/2026:05:59:01 +0000] 198.51.100.201 arn:aws:iam::123456789012:user/ci-deployer 6C1F2A9E4B7D3A10 REST.PUT.OBJECT builds/app-1.4.2.tar.gz "PUT /logs-archive-eu/builds/app-1.4.2.tar.gz HTTP/1.1" 200 - - 10485760 412 38 "-" "aws-cli/2.15.0 Python/3.11.6" - Zq3b8fJ0kQw7T1mR2xYv5nA9cE4dH6gL0pS3uV8yB1zK7oN2iX5= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader logs-archive-eu.s3.eu-west-1.amazonaws.com TLSv1.2`, map[string]any{
			"[aws][s3access][authentication_type]": "AuthHeader", "[aws][s3access][bucket]": "logs-archive-eu",
			"[aws][s3access][bucket_owner]": "5f1c0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1",
			"[aws][s3access][host_header]":  "logs-archive-eu.s3.eu-west-1.amazonaws.com",
			"[aws][s3access][host_id]":      "Zq3b8fJ0kQw7T1mR2xYv5nA9cE4dH6gL0pS3uV8yB1zK7oN2iX5=",
			"[aws][s3access][key]":          "builds/app-1.4.2.tar.gz", "[aws][s3access][object_size]": int64(10485760),
			"[aws][s3access][operation]": "REST.PUT.OBJECT", "[aws][s3access][request_id]": "6C1F2A9E4B7D3A10",
			"[aws][s3access][request_uri]":       "PUT /logs-archive-eu/builds/app-1.4.2.tar.gz HTTP/1.1",
			"[aws][s3access][signature_version]": "SigV4", "[aws][s3access][tls_version]": "TLSv1.2",
			"[aws][s3access][total_time]": int64(412), "[aws][s3access][turn_around_time]": int64(38),
			"[client][ip]": "198.51.100.201", "[client][user][id]": "arn:aws:iam::123456789012:user/ci-deployer",
			"[http][request][method]": "PUT", "[http][response][status_code]": int64(200), "[http][version]": "1.1",
			"[tls][cipher]":          "ECDHE-RSA-AES128-GCM-SHA256",
			"[url][original]":        "/logs-archive-eu/builds/app-1.4.2.tar.gz",
			"[user_agent][original]": "aws-cli/2.15.0 Python/3.11.6", "timestamp": "24/Nov/2026:05:59:01 +0000",
		}},
		{Legacy, "%{S3_ACCESS_LOG}", `5f1c0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1 logs-archive-eu [24/Nov/2026:05:59:01 +0000] 198.51.100.201 arn:aws:iam::123456789012:user/ci-deployer 6C1F2A9E4B7D3A10 REST.GET.OBJECT builds/app-1.4.2.tar.gz "GET /logs-archive-eu/builds/app-1.4.2.tar.gz HTTP/1.1" 200 - 10485760 10485760 95 21 "-" "aws-cli/2.15.0 Python/3.11.6" -`, map[string]any{
			"agent": "\"aws-cli/2.15.0 Python/3.11.6\"", "bucket": "logs-archive-eu", "bytes": int64(10485760),
			"clientip": "198.51.100.201", "httpversion": "1.1", "key": "builds/app-1.4.2.tar.gz",
			"object_size": int64(10485760), "operation": "REST.GET.OBJECT",
			"owner": "5f1c0e2d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1", "referrer": "\"-\"",
			"request": "/logs-archive-eu/builds/app-1.4.2.tar.gz", "request_id": "6C1F2A9E4B7D3A10",
			"request_time_ms": int64(95), "requester": "arn:aws:iam::123456789012:user/ci-deployer",
			"response": int64(200), "timestamp": "24/Nov/2026:05:59:01 +0000", "turnaround_time_ms": int64(21),
			"verb": "GET",
		}},
		// linux-syslog: SYSLOGPAMSESSION's lookahead captures the message
		{Legacy, "%{SYSLOGPAMSESSION}", `Nov 24 06:40:01 web-01 CRON[31337]: pam_unix(cron:session): session opened for user root by (uid=0)`, map[string]any{
			"logsource": "web-01", "message": "pam_unix(cron:session): session opened for user root by (uid=0)",
			"pam_by": "(uid=0)", "pam_caller": "cron:session", "pam_module": "pam_unix", "pam_session_state": "opened",
			"pid": "31337", "program": "CRON", "timestamp": "Nov 24 06:40:01", "username": "root",
		}},
		{ECSV1, "%{SYSLOGPAMSESSION}", `Nov 24 06:40:01 web-01 CRON[31337]: pam_unix(cron:session): session opened for user root by (uid=0)`, map[string]any{
			"[host][hostname]": "web-01", "[process][name]": "CRON", "[process][pid]": int64(31337),
			"[system][auth][pam][module]": "pam_unix", "[system][auth][pam][origin]": "cron:session",
			"[system][auth][pam][session_state]": "opened", "[user][name]": "root",
			"message": "pam_unix(cron:session): session opened for user root by (uid=0)", "timestamp": "Nov 24 06:40:01",
		}},
		{ECSV1, "%{SYSLOGPAMSESSION}", `Nov 24 06:41:12 web-01 sshd[2211]: pam_unix(sshd:session): session closed for user deploy`, map[string]any{
			"[host][hostname]": "web-01", "[process][name]": "sshd", "[process][pid]": int64(2211),
			"[system][auth][pam][module]": "pam_unix", "[system][auth][pam][origin]": "sshd:session",
			"[system][auth][pam][session_state]": "closed", "[user][name]": "deploy",
			"message": "pam_unix(sshd:session): session closed for user deploy", "timestamp": "Nov 24 06:41:12",
		}},
		// mongodb: MONGO_QUERY's lookbehind and lookahead
		{Legacy, "%{MONGO_SLOWQUERY}", `query shop.orders query: { status: "open", total: { $gt: 100 } } ntoreturn:0 ntoskip:0 nscanned:48211 keyUpdates:0 locks(micros) r:251023 nreturned:12 reslen:4211 251ms`, map[string]any{
			"collection": "orders", "database": "shop", "duration": "251", "nreturned": "12", "nscanned": "48211",
			"ntoreturn": "0", "ntoskip": "0", "query": "{ status: \"open\", total: { $gt: 100 } }",
		}},
		{ECSV1, "%{MONGO_SLOWQUERY}", `query shop.orders query: { status: "open", total: { $gt: 100 } } ntoreturn:0 ntoskip:0 nscanned:48211 keyUpdates:0 locks(micros) r:251023 nreturned:12 reslen:4211 251ms`, map[string]any{
			"[mongodb][collection]": "orders", "[mongodb][database]": "shop", "[mongodb][profile][duration]": int64(251),
			"[mongodb][profile][nreturned]": int64(12), "[mongodb][profile][nscanned]": int64(48211),
			"[mongodb][profile][ntoreturn]": int64(0), "[mongodb][profile][ntoskip]": int64(0),
			"[mongodb][profile][op]": "query", "[mongodb][query][original]": "{ status: \"open\", total: { $gt: 100 } }",
		}},
		{ECSV1, "%{MONGO3_LOG}", `2026-11-24T06:02:59.123+0000 I NETWORK  [conn42] end connection 127.0.0.1:51234 (3 connections now open)`, map[string]any{
			"[log][level]": "I", "[mongodb][component]": "NETWORK", "[mongodb][context]": "conn42",
			"message":   "end connection 127.0.0.1:51234 (3 connections now open)",
			"timestamp": "2026-11-24T06:02:59.123+0000",
		}},
		{ECSV1, "%{MONGO_LOG}", `Nov 24 06:02:59 [rsSync] replSet syncing to: db2.example.net:27017`, map[string]any{
			"[mongodb][component]": "rsSync", "message": "replSet syncing to: db2.example.net:27017",
			"timestamp": "Nov 24 06:02:59",
		}},
		// bacula
		{Legacy, "%{BACULA_LOGLINE}", `24-Nov 06:05 backup-dir JobId 4711: Start Backup JobId 4711, Job=nightly-web.2026-11-24_06.05.00_03`, map[string]any{
			"bts": "24-Nov 06:05", "hostname": "backup-dir", "job": "nightly-web.2026-11-24_06.05.00_03",
			"jobid": "4711",
		}},
		{ECSV1, "%{BACULA_LOGLINE}", `24-Nov 06:05 backup-dir JobId 4711: Start Backup JobId 4711, Job=nightly-web.2026-11-24_06.05.00_03`, map[string]any{
			"[bacula][job][id]": "4711", "[bacula][job][name]": "nightly-web.2026-11-24_06.05.00_03",
			"[host][hostname]": "backup-dir", "timestamp": "24-Nov 06:05",
		}},
		{ECSV1, "%{BACULA_LOGLINE}", `24-Nov 06:07 backup-sd JobId 4711: Fatal error: bsock.c:133 Unable to connect to Client: web-fd on web.example.com:9102. ERR=Connection refused`, map[string]any{
			"[bacula][client][name]": "web-fd", "[bacula][job][id]": "4711", "[client][address]": "web.example.com",
			"[client][port]": int64(9102), "[error][message]": "Connection refused", "[host][hostname]": "backup-sd",
			"timestamp": "24-Nov 06:07",
		}},
		{Legacy, "%{BACULA_LOGLINE}", `24-Nov 06:07 backup-sd JobId 4711: Fatal error: bsock.c:133 Unable to connect to Client: web-fd on web.example.com:9102. ERR=Connection refused`, map[string]any{
			"berror": "Connection refused", "bts": "24-Nov 06:07", "client": "web-fd", "hostname": "backup-sd",
			"jobid": "4711",
		}},
		// ECS versions of the families that were legacy-only
		{ECSV1, "%{HAPROXYHTTP}", `Sep 14 02:01:37 lb1 haproxy[14387]: 10.0.1.2:33317 [14/Sep/2014:02:01:37.452] public nginx/server1 0/0/0/5/5 200 490 - - ---- 1/1/0/1/0 0/0 "GET /my/path?x=1 HTTP/1.1"`, map[string]any{
			"[haproxy][backend_name]": "nginx", "[haproxy][backend_queue]": int64(0),
			"[haproxy][connection_wait_time_ms]": int64(0), "[haproxy][connections][active]": int64(1),
			"[haproxy][connections][backend]": int64(0), "[haproxy][connections][frontend]": int64(1),
			"[haproxy][connections][retries]": int64(0), "[haproxy][connections][server]": int64(1),
			"[haproxy][frontend_name]": "public", "[haproxy][http][request][time_wait_ms]": int64(0),
			"[haproxy][http][request][time_wait_without_data_ms]": int64(5),
			"[haproxy][request_date]":                             "14/Sep/2014:02:01:37.452", "[haproxy][server_name]": "server1",
			"[haproxy][server_queue]": int64(0), "[haproxy][termination_state]": "----", "[haproxy][total_time_ms]": "5",
			"[haproxy][total_waiting_time_ms]": int64(0), "[host][hostname]": "lb1", "[http][request][method]": "GET",
			"[http][response][status_code]": int64(200), "[http][version]": "1.1", "[process][name]": "haproxy",
			"[process][pid]": int64(14387), "[source][address]": "10.0.1.2", "[source][bytes]": int64(490),
			"[source][port]": int64(33317), "[url][original]": "/my/path?x=1", "[url][path]": "/my/path",
			"[url][query]": "x=1", "timestamp": "Sep 14 02:01:37",
		}},
		{ECSV1, "%{HAPROXYTCP}", `Sep 14 02:01:37 lb1 haproxy[14387]: 10.0.1.2:33317 [14/Sep/2014:02:01:37.452] mysql-in mysql/db1 1/0/3015 4219 -- 2/2/1/1/0 0/0`, map[string]any{
			"[haproxy][backend_name]": "mysql", "[haproxy][backend_queue]": int64(0),
			"[haproxy][connection_wait_time_ms]": int64(0), "[haproxy][connections][active]": int64(2),
			"[haproxy][connections][backend]": int64(1), "[haproxy][connections][frontend]": int64(2),
			"[haproxy][connections][retries]": int64(0), "[haproxy][connections][server]": int64(1),
			"[haproxy][frontend_name]": "mysql-in", "[haproxy][request_date]": "14/Sep/2014:02:01:37.452",
			"[haproxy][server_name]": "db1", "[haproxy][server_queue]": int64(0), "[haproxy][termination_state]": "--",
			"[haproxy][total_time_ms]": "3015", "[haproxy][total_waiting_time_ms]": int64(1), "[host][hostname]": "lb1",
			"[process][name]": "haproxy", "[process][pid]": int64(14387), "[source][address]": "10.0.1.2",
			"[source][bytes]": int64(4219), "[source][port]": int64(33317), "timestamp": "Sep 14 02:01:37",
		}},
		{Legacy, "%{HAPROXYTCP}", `Sep 14 02:01:37 lb1 haproxy[14387]: 10.0.1.2:33317 [14/Sep/2014:02:01:37.452] mysql-in mysql/db1 1/0/3015 4219 -- 2/2/1/1/0 0/0`, map[string]any{
			"accept_date": "14/Sep/2014:02:01:37.452", "actconn": "2", "backend_name": "mysql", "backend_queue": "0",
			"beconn": "1", "bytes_read": "4219", "client_ip": "10.0.1.2", "client_port": "33317", "feconn": "2",
			"frontend_name": "mysql-in", "haproxy_hour": "02", "haproxy_milliseconds": "452", "haproxy_minute": "01",
			"haproxy_month": "Sep", "haproxy_monthday": "14", "haproxy_second": "37", "haproxy_time": "02:01:37",
			"haproxy_year": "2014", "pid": "14387", "program": "haproxy", "retries": "0", "server_name": "db1",
			"srv_queue": "0", "srvconn": "1", "syslog_server": "lb1", "syslog_timestamp": "Sep 14 02:01:37",
			"termination_state": "--", "time_backend_connect": "0", "time_duration": "3015", "time_queue": "1",
		}},
		{ECSV1, "%{REDISLOG}", `[21877] 24 Nov 06:12:45.031 * DB saved on disk`, map[string]any{
			"[process][pid]": int64(21877), "timestamp": "24 Nov 06:12:45.031",
		}},
		{Legacy, "%{REDISLOG}", `[21877] 24 Nov 06:12:45.031 * DB saved on disk`, map[string]any{
			"pid": "21877", "timestamp": "24 Nov 06:12:45.031",
		}},
		{ECSV1, "%{REDISMONLOG}", `1700000000.123456 [0 127.0.0.1:52210] "SET" "session:42" "active"`, map[string]any{
			"[client][ip]": "127.0.0.1", "[client][port]": int64(52210),
			"[redis][command][args]": "\"session:42\" \"active\"", "[redis][command][name]": "SET",
			"[redis][database][id]": "0", "timestamp": "1700000000.123456",
		}},
		{Legacy, "%{REDISMONLOG}", `1700000000.123456 [0 127.0.0.1:52210] "SET" "session:42" "active"`, map[string]any{
			"client": "127.0.0.1", "command": "SET", "database": "0", "params": "\"session:42\" \"active\"",
			"port": "52210", "timestamp": "1700000000.123456",
		}},
		{ECSV1, "%{POSTGRESQL}", `2026-11-24 06:02:59 UTC app_user 5f3a.1b2 4711`, map[string]any{
			"[event][timezone]": "UTC", "[postgresql][log][connection_id]": "5f3a.1b2", "[process][pid]": int64(4711),
			"[user][name]": "app_user", "timestamp": "26-11-24 06:02:59",
		}},
		{ECSV1, "%{SQUID3}", `1764000000.512    245 10.44.0.17 TCP_MISS/200 18234 GET https://pkg.example.org/repo/index.json - HIER_DIRECT/192.0.2.80 application/json`, map[string]any{
			"[destination][address]": "192.0.2.80", "[event][action]": "TCP_MISS", "[http][request][method]": "GET",
			"[http][response][bytes]": int64(18234), "[http][response][mime_type]": "application/json",
			"[http][response][status_code]": int64(200), "[source][ip]": "10.44.0.17",
			"[squid][hierarchy_code]": "HIER_DIRECT", "[squid][request][duration]": int64(245),
			"[url][original]": "https://pkg.example.org/repo/index.json", "timestamp": "1764000000.512",
		}},
		{Legacy, "%{SQUID3}", `1764000000.512    245 10.44.0.17 TCP_MISS/200 18234 GET https://pkg.example.org/repo/index.json - HIER_DIRECT/192.0.2.80 application/json`, map[string]any{
			"bytes": "18234", "cache_result": "TCP_MISS", "client_address": "10.44.0.17",
			"content_type": "application/json", "duration": "245", "hierarchy_code": "HIER_DIRECT",
			"request_method": "GET", "server": "192.0.2.80", "status_code": "200", "timestamp": "1764000000.512",
			"url": "https://pkg.example.org/repo/index.json", "user": "-",
		}},
		{ECSV1, "%{SQUID3}", `1764000101.250 0 10.44.0.23 TCP_DENIED/403 3942 GET http://blocked.example/ alice HIER_NONE/- text/html`, map[string]any{
			"[event][action]": "TCP_DENIED", "[http][request][method]": "GET", "[http][response][bytes]": int64(3942),
			"[http][response][mime_type]": "text/html", "[http][response][status_code]": int64(403),
			"[source][ip]": "10.44.0.23", "[squid][hierarchy_code]": "HIER_NONE",
			"[squid][request][duration]": int64(0), "[url][original]": "http://blocked.example/",
			"[user][name]": "alice", "timestamp": "1764000101.250",
		}},
		{ECSV1, "%{BIND9}", `24-Nov-2026 06:15:02.345 queries: info: client @0x7f1c2c0b1234 192.168.1.50#53211 (www.example.com): query: www.example.com IN A +E(0)K (192.168.1.1)`, map[string]any{
			"[bind][log][question][flags]": "+E(0)K", "[bind][log][question][name]": "www.example.com",
			"[bing][log][category]": "queries", "[client][ip]": "192.168.1.50", "[client][port]": int64(53211),
			"[dns][question][class]": "IN", "[dns][question][name]": "www.example.com", "[dns][question][type]": "A",
			"[log][level]": "info", "[server][ip]": "192.168.1.1", "timestamp": "24-Nov-2026 06:15:02.345",
		}},
		{Legacy, "%{BIND9}", `24-Nov-2026 06:15:02.345 queries: info: client @0x7f1c2c0b1234 192.168.1.50#53211 (www.example.com): query: www.example.com IN A +E(0)K (192.168.1.1)`, map[string]any{
			"clientip": "192.168.1.50", "clientport": "53211", "dns": "192.168.1.1", "loglevel": "info",
			"query": "www.example.com", "querytype": "A +E(0)K", "timestamp": "24-Nov-2026 06:15:02.345",
		}},
		{ECSV1, "%{EXIM}", `2026-11-24 06:20:11 [1234] 1nXyZa-0003Ab-Cd <= alice@example.org H=mail.example.org [198.51.100.25]:43012 P=esmtps S=3210 id=20261124.abc@example.org T="Quarterly report" for bob@example.com`, map[string]any{
			"[exim][log][flags]": "<=", "[exim][log][header_id]": "20261124.abc@example.org",
			"[exim][log][message][id]": "1nXyZa-0003Ab-Cd", "[exim][log][message][size]": int64(3210),
			"[exim][log][message][subject]": "Quarterly report", "[exim][log][recipient][email]": "bob@example.com",
			"[exim][log][sender][email]": "alice@example.org", "[network][protocol]": "esmtps",
			"[process][pid]": int64(1234), "[source][address]": "mail.example.org", "[source][ip]": "198.51.100.25",
			"[source][port]": int64(43012), "timestamp": "2026-11-24 06:20:11",
		}},
		{Legacy, "%{EXIM}", `2026-11-24 06:20:11 [1234] 1nXyZa-0003Ab-Cd <= alice@example.org H=mail.example.org [198.51.100.25]:43012 P=esmtps S=3210 id=20261124.abc@example.org T="Quarterly report" for bob@example.com`, map[string]any{
			"exim_day": "24", "exim_flags": "<=", "exim_header_id": "20261124.abc@example.org", "exim_month": "11",
			"exim_msg_size": "3210", "exim_msgid": "1nXyZa-0003Ab-Cd", "exim_recipient_email": "bob@example.com",
			"exim_sender_email": "alice@example.org", "exim_subject": "\"Quarterly report\"", "exim_time": "06:20:11",
			"exim_year": "2026", "pid": "1234", "protocol": "esmtps", "remote_host": "198.51.100.25",
			"remote_hostname": "mail.example.org", "remote_port": "43012", "timestamp": "2026-11-24 06:20:11",
		}},
		{ECSV1, "%{CATALINALOG}", `24-Nov-2026 06:25:31.417 INFO [main] org.apache.catalina.startup.Catalina.start Server startup in [2315] milliseconds`, map[string]any{
			"[java][log][origin][class][name]":  "org.apache.catalina.startup.Catalina",
			"[java][log][origin][thread][name]": "main", "[log][level]": "INFO", "[log][origin][function]": "start",
			"message": "Server startup in [2315] milliseconds", "timestamp": "24-Nov-2026 06:25:31.417",
		}},
		{ECSV1, "%{CATALINALOG}", `Nov 24, 2026 6:25:31 AM org.apache.catalina.startup.Catalina start INFO: Server startup in 2315 ms`, map[string]any{
			"[java][log][origin][class][name]": "org.apache.catalina.startup.Catalina", "[log][level]": "INFO",
			"[log][origin][function]": "start", "message": "Server startup in 2315 ms",
			"timestamp": "Nov 24, 2026 6:25:31 AM",
		}},
		{Legacy, "%{CATALINALOG}", `Nov 24, 2026 6:25:31 AM org.apache.catalina.startup.Catalina start INFO: Server startup in 2315 ms`, map[string]any{
			"class": "org.apache.catalina.startup.Catalina", "logmessage": "start INFO: Server startup in 2315 ms",
			"timestamp": "Nov 24, 2026 6:25:31 AM",
		}},
		{ECSV1, "%{TOMCATLOG}", `2026-11-24 06:25:31,417 | ERROR | org.apache.jasper.JasperException - Unable to compile class for JSP`, map[string]any{
			"[java][log][origin][class][name]": "org.apache.jasper.JasperException", "[log][level]": "ERROR",
			"message": "Unable to compile class for JSP", "timestamp": "2026-11-24 06:25:31,417",
		}},
		{Legacy, "%{TOMCATLOG}", `2026-11-24 06:25:31 +0000 | ERROR | org.apache.jasper.JasperException - Unable to compile class for JSP`, map[string]any{
			"class": "org.apache.jasper.JasperException", "level": "ERROR",
			"logmessage": "Unable to compile class for JSP", "timestamp": "2026-11-24 06:25:31 +0000",
		}},
		{ECSV1, "%{MCOLLECTIVE}", "I, [2026-11-24T06:30:00.123456 #2871]  INFO -- : rpcaudit.rb:42:in `audit_request' request 7c9f from choria=user.mco", map[string]any{
			"[log][level]": "INFO", "[process][pid]": int64(2871), "timestamp": "2026-11-24T06:30:00.123456",
		}},
		{ECSV1, "%{RAILS3}", "Started GET \"/orders/42?format=json\" for 198.51.100.14 at 2026-11-24 06:33:10 +0000\nProcessing by OrdersController#show as JSON\n  Parameters: {\"id\"=>\"42\"}\nCompleted 200 OK in 38ms (Views: 12.5ms | ActiveRecord: 4.2ms)", map[string]any{
			"[http][request][method]": "GET", "[http][response][status_code]": int64(200),
			"[rails][controller][action]": "show", "[rails][controller][class]": "OrdersController",
			"[rails][request][duration][active_record]": float64(4.2), "[rails][request][duration][total]": float64(38),
			"[rails][request][duration][view]": float64(12.5), "[rails][request][format]": "JSON",
			"[rails][request][params]": "\"id\"=>\"42\"", "[source][address]": "198.51.100.14",
			"[url][original]": "/orders/42?format=json", "timestamp": "2026-11-24 06:33:10 +0000",
		}},
		{Legacy, "%{RAILS3}", "Started GET \"/orders/42?format=json\" for 198.51.100.14 at 2026-11-24 06:33:10 +0000\nProcessing by OrdersController#show as JSON\n  Parameters: {\"id\"=>\"42\"}\nCompleted 200 OK in 38ms (Views: 12.5ms | ActiveRecord: 4.2ms)", map[string]any{
			"action": "show", "activerecordms": "4.2", "clientip": "198.51.100.14", "controller": "OrdersController",
			"format": "JSON", "params": "\"id\"=>\"42\"", "request": "/orders/42?format=json", "response": "200",
			"timestamp": "2026-11-24 06:33:10 +0000", "totalms": "38", "verb": "GET", "viewms": "12.5",
		}},
		{ECSV1, "%{MAVEN_VERSION:v}", `3.8.1-SNAPSHOT`, map[string]any{
			"v": "3.8.1-SNAPSHOT",
		}},
	}
	tests = append(tests, struct {
		set, pattern, line string
		want               map[string]any
	}{Legacy, "%{HAPROXYHTTP}", `Sep 14 02:01:37 lb1 haproxy[14387]: 10.0.1.2:33317 [14/Sep/2014:02:01:37.452] public public/<NOSRV> -1/-1/-1/-1/0 400 187 - - PR-- 1/1/0/0/0 0/0 "<BADREQ>"`, map[string]any{
		"syslog_timestamp": "Sep 14 02:01:37", "syslog_server": "lb1", "program": "haproxy", "pid": "14387",
		"client_ip": "10.0.1.2", "client_port": "33317", "accept_date": "14/Sep/2014:02:01:37.452",
		"haproxy_monthday": "14", "haproxy_month": "Sep", "haproxy_year": "2014", "haproxy_time": "02:01:37",
		"haproxy_hour": "02", "haproxy_minute": "01", "haproxy_second": "37", "haproxy_milliseconds": "452",
		"frontend_name": "public", "backend_name": "public", "server_name": "<NOSRV>",
		"time_request": "-1", "time_queue": "-1", "time_backend_connect": "-1", "time_backend_response": "-1", "time_duration": "0",
		"http_status_code": "400", "bytes_read": "187", "captured_request_cookie": "-", "captured_response_cookie": "-",
		"termination_state": "PR--", "actconn": "1", "feconn": "1", "beconn": "0", "srvconn": "0", "retries": "0",
		"srv_queue": "0", "backend_queue": "0",
	}})
	for _, tt := range tests {
		name := tt.set + " " + tt.pattern
		t.Run(name, func(t *testing.T) {
			p, err := Compile(tt.pattern, defs(tt.set, nil), true)
			if err != nil {
				t.Fatal(err)
			}
			if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("line %q\n got %#v\nwant %#v", tt.line, got, tt.want)
			}
		})
	}
}

// Lookarounds beyond one character, as the families use them.
func TestLongLookarounds(t *testing.T) {
	tests := []struct {
		pattern, line string
		want          map[string]any
	}{
		// Literal lookbehind and lookahead (MONGO_QUERY's shape): the
		// greedy .* must give back until " } end" follows.
		{`\{ (?<={ )(?<q>.*)(?= } end) \}`, `{ a { b } c } end } end`, map[string]any{"q": "a { b } c } end"}},
		{`\{ (?<={ )(?<q>.*)(?= } end) \}`, `{ a } fin`, nil},
		{`(?<=ab)%{INT:n}`, `xb1 cab2 ab3`, map[string]any{"n": "2"}},
		{`(?<!ab)c-%{WORD:w}`, `abc-x bc-y`, map[string]any{"w": "y"}},
		// A regexp lookbehind, checked on the bytes it can span (here up to
		// 4+4+3 bytes of UTF-8).
		{`(?<=[0-9]{3}-)%{WORD:w}`, `12-a 123-b`, map[string]any{"w": "b"}},
		{`(?<=(?:ab|ü{2})-)%{INT:n}`, `xab-1 üü-2`, map[string]any{"n": "1"}},
		{`(?<=ü{2}-)%{INT:n}`, `ü-1 aüü-2`, map[string]any{"n": "2"}},
		// A positive lookahead holding captures (SYSLOGPAMSESSION's shape):
		// they come from the lookahead's own match at its position.
		{`^%{WORD:a} (?=%{GREEDYDATA:rest})%{WORD:b}`, `one two three`, map[string]any{"a": "one", "rest": "two three", "b": "two"}},
		{`(?=%{INT:n}x)%{WORD:w}`, `ab 12y 34x`, map[string]any{"n": "34", "w": "34x"}},
		// UNIXPATH takes letters of any script, as Ruby's [[:alnum:]] does.
		{`%{UNIXPATH:p}`, `open /home/jörg/Übersicht_2.txt: denied`, map[string]any{"p": "/home/jörg/Übersicht_2.txt:"}},
		// TIME's and HAPROXYTIME's (?!<[0-9]) never fails where a digit starts.
		{`(?!<[0-9])%{HOUR:h}:%{MINUTE:m}`, `<1 at 12:30`, map[string]any{"h": "12", "m": "30"}},
		// IPTABLES4_FRAG's (?<= ): the flag counts only after a space.
		{`ID=%{INT:id}\s+(?:%{IPTABLES4_FRAG:frag})?\s*PROTO`, "ID=1 DF PROTO", map[string]any{"id": "1", "frag": "DF"}},
		{`ID=%{INT:id}\s+(?:%{IPTABLES4_FRAG:frag})?\s*PROTO`, "ID=1\tDF PROTO", nil},
	}
	for _, tt := range tests {
		p, err := Compile(tt.pattern, defs(ECSV1, nil), true)
		if err != nil {
			t.Fatalf("%s: %v", tt.pattern, err)
		}
		if got := captures(t, p, tt.line); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s on %q: got %v, want %v", tt.pattern, tt.line, got, tt.want)
		}
	}
}

// Logstash's pattern files hold 318 legacy definitions (317 names: the
// legacy MCOLLECTIVEAUDIT is in two files) and 361 ECS v1 ones
// (logstash-patterns-core 4.x); the catalog has all of them, plus
// URIQUERY in the legacy set (Logstash's legacy URIPARAM spells it out).
func TestFamilyCounts(t *testing.T) {
	for set, want := range map[string]int{Legacy: 318, ECSV1: 361} {
		if got := len(Catalog(set)); got != want {
			t.Errorf("%s: %d patterns, want %d", set, got, want)
		}
	}
	for _, name := range strings.Fields(`BRO_HTTP BRO_DNS BRO_CONN BRO_FILES CISCOFW106023 SHOREWALL SFW2
		NETSCREENSESSIONLOG RT_FLOW1 RT_FLOW2 RT_FLOW3 NAGIOSLOGLINE CLOUDFRONT_ACCESS_LOG SYSLOGPAMSESSION
		MONGO_QUERY MONGO_SLOWQUERY BACULA_LOGLINE`) {
		for _, set := range []string{Legacy, ECSV1} {
			if _, ok := Catalog(set)[name]; !ok {
				t.Errorf("%s: no %s", set, name)
			}
		}
	}
	for _, name := range strings.Fields(`ZEEK_HTTP ZEEK_DNS ZEEK_CONN ZEEK_FILES IPTABLES`) {
		if _, ok := Catalog(ECSV1)[name]; !ok {
			t.Errorf("ecs-v1: no %s", name)
		}
	}
}
