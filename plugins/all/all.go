// Package all registers every plugin that ships with Sluice.
package all

import (
	_ "github.com/sluicelog/sluice/plugins/outputs/null"
)
