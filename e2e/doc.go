// Package e2e holds Sluice's black-box tests: they build the real `sluice`
// binary once, start it as a user would (arguments, environment, stdin,
// signals) and talk to it over loopback sockets, files and FIFOs.
//
// Run them with `go test ./e2e` (scripts/test.sh runs them with the rest).
// Environment:
//
//	SLUICE_BIN        test this binary instead of building ./cmd/sluice
//	SLUICE_PYTHON     Python interpreter with e2e/python/requirements.txt
//	                  installed (default: .cache/pyenv/bin/python, made by
//	                  scripts/pyenv.sh)
//	SLUICE_TEST_DATA  directory holding apache_logs (default: the
//	                  shared/data directory beside the repository)
package e2e
