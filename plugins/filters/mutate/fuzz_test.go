package mutate

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// FuzzConvert checks that number parsing never panics and agrees with
// strconv where both accept plain decimal input.
func FuzzConvert(f *testing.F) {
	for _, s := range []string{"123", "-1,000.5", "1e3", "0x7b", "-0x1.8p3", "1_000", ".5", "5.", "1e99999999",
		"9223372036854775808", "-9223372036854775808", "", "abc", "1__0", "+", "0x", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		i, ierr := toInteger(s)
		fl, ferr := toFloat(s)
		_, _ = toInteger(swapEU(s))
		_, _ = toBoolean(s)
		if ierr == nil {
			if _, ok := i.(int64); !ok {
				t.Fatalf("toInteger(%q) = %T", s, i)
			}
		}
		if ferr == nil {
			x := fl.(float64)
			if math.IsInf(x, 0) || math.IsNaN(x) {
				t.Fatalf("toFloat(%q) = %v", s, x)
			}
		}
		c := cleanNumber(s)
		if n, err := strconv.ParseInt(c, 10, 64); err == nil && !strings.Contains(c, "_") {
			if ierr != nil || i.(int64) != n {
				t.Fatalf("toInteger(%q) = %v, %v; strconv says %d", s, i, ierr, n)
			}
		}
	})
}

// FuzzReplacement checks that any replacement string applies without
// panicking.
func FuzzReplacement(f *testing.F) {
	for _, s := range []string{`\1`, `\k<n>`, `\k<`, `\`, `\\`, "\\`\\'", `\+\&\0`, `$1`} {
		f.Add(s, "a-b-c")
	}
	re, _ := compileRegex(`(?<n>\w)(-)?`)
	f.Fuzz(func(t *testing.T, repl, in string) {
		r := parseReplacement(repl)
		_, _ = r.replaceAll(re, in)
	})
}
