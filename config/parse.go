package config

import "errors"

// ParseString parses pipeline text. name is used in positions ("config
// string" for -e).
//
// TODO(parser): placeholder until the parser lands.
func ParseString(name, src string) (*Pipeline, error) {
	return nil, errors.New("config: parser not implemented yet")
}
