// Package config reads Logstash's pipeline language into an AST. The engine
// never sees syntax: package pipeline compiles this AST.
//
// Entry points: ParseString (for -e), Parse (one file), Load (files,
// directories and globs, as -f / path.config), ParseOptions (escapes and
// limits), Substitute (${VAR} references), Format (canonical syntax).
// Errors are *Error values with a file, line, column, the source line and a
// caret.
//
// # The language
//
// The grammar is Logstash's (logstash-core lscl_grammar.treetop):
//
//   - sections input, filter and output, repeatable and in any order;
//   - plugins `name { setting => value ... }`; plugin and setting names are
//     [A-Za-z0-9_-]+ or quoted strings;
//   - values: "double" or 'single' quoted strings (newlines allowed inside),
//     numbers -?[0-9]+(\.[0-9]*)?, barewords [A-Za-z_][A-Za-z0-9_]+ (at least
//     two characters), arrays [a, b] (no trailing comma), hashes
//     { key => value key => value } (no commas; keys are strings, numbers or
//     barewords; duplicate keys are an error), and plugins as values
//     (`codec => json { charset => "UTF-8" }`);
//   - comments from # to the end of the line, wherever whitespace may be;
//   - conditionals `if c { } else if c { } else { }` in any section, nested:
//     ==, !=, <, >, <=, >=, =~ and !~ (against /regex/ or a string), in and
//     not in, and/or/xor/nand, parentheses, ! before a [field] reference or
//     a parenthesised condition; operands are [field][references], strings,
//     numbers, /regexes/ (\/ for a slash) and lists ["a", "b"].
//
// Boolean operators are grouped exactly as Logstash groups them (see
// joinConditions in cond.go): and binds tighter than or, but a chain such as
// `a and b and c or d` becomes `a and ((b and c) or d)`; such conditions
// parse the Logstash way and add a warning to Pipeline.Warnings. xor and
// nand combined with another operator at one level are rejected, as
// Logstash fails on them too.
//
// # Differences from Logstash
//
// Deliberate, each where Logstash's behaviour is a known trap or a crash:
//
//   - `["a"]` (one quoted string in brackets) in a condition is a one-element
//     list; Logstash reads it as a reference to a field named "a" with the
//     quotes (elastic/logstash#1850 and duplicates). `[a]` and `[1]` are field
//     references in both.
//   - Method calls in conditions (`foo(...)`) are a syntax error: Logstash's
//     grammar accepts them but its compiler cannot run them.
//   - Regular expressions use Go's RE2 syntax and are checked at parse
//     time. Oniguruma (Logstash's engine) also has lookahead and lookbehind
//     ((?=...), (?!...), (?<=...), (?<!...)), backreferences (\1, \k<name>),
//     atomic groups ((?>...)), possessive quantifiers (a*+) and escapes such
//     as \h, \R, \X and \Z; RE2 has none of them, and in exchange runs in
//     linear time. Named groups (?<name>...), flags such as (?i), \d \w \s
//     \b \A \z, \p{Greek} and [[:alpha:]] work in both.
//   - Accepted although Logstash's grammar refuses them: a comment between
//     hash entries, a comment on the last line without a newline, settings
//     not separated by whitespace (`a => "x"b => 1`), any whitespace or
//     comments between not and in, and a UTF-8 byte order mark at the start.
//   - Rejected with an error (Logstash misreads them silently or fails
//     later): duplicate hash keys written differently ("a" and a), integers
//     beyond 64 bits, invalid UTF-8 (also refused by Logstash), more than
//     1000 boolean operators at one level, nesting deeper than
//     ParseOptions.MaxDepth, sources larger than ParseOptions.MaxSize.
//   - Substitute replaces references anywhere inside condition strings and
//     in list items; Logstash only substitutes a condition string that is a
//     single ${VAR} reference as a whole.
//
// Escapes (ParseOptions.SupportEscapes, Logstash's config.support_escapes)
// follow Logstash's StringEscape: \\ \" \' \n \r \t; other backslashes are
// kept. Logstash has no \0 escape.
package config
