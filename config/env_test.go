package config

import "testing"

func TestExpand(t *testing.T) {
	env := envOf(map[string]string{"A": "x", "B_2": "y", "EMPTY": "", "NESTED": "${A}"})
	tests := []struct {
		in, want, err string
	}{
		{in: "plain", want: "plain"},
		{in: "${A}", want: "x"},
		{in: "pre-${A}-${B_2}-post", want: "pre-x-y-post"},
		{in: "${EMPTY}", want: ""},
		{in: "${NESTED}", want: "${A}"}, // values are not expanded again
		{in: "$${A}", want: "${A}"},
		{in: "$${A} and ${A}", want: "${A} and x"},
		{in: "$A $ $$ ${", err: "unterminated ${ (write $${ for a literal ${)"},
		{in: "$A $ $$ {A}", want: "$A $ $$ {A}"},
		{in: "${MISSING}", err: "environment variable MISSING is not set"},
		{in: "${}", err: `invalid environment variable name "" in ${} (write $${ for a literal ${)`},
		{in: "${1A}", err: `invalid environment variable name "1A" in ${1A} (write $${ for a literal ${)`},
		{in: "${A:-default}", err: `invalid environment variable name "A:-default" in ${A:-default} (write $${ for a literal ${)`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := expand(tt.in, env)
			switch {
			case tt.err != "":
				if err == nil || err.Error() != tt.err {
					t.Errorf("expand(%q) error = %v, want %s", tt.in, err, tt.err)
				}
			case err != nil:
				t.Errorf("expand(%q) error = %v", tt.in, err)
			case got != tt.want:
				t.Errorf("expand(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if _, err := expand("${A}", nil); err == nil {
		t.Errorf("expand with a nil env succeeded, want variables unset")
	}
}

func TestExpandOnlyValues(t *testing.T) {
	// Keys are never expanded: ${A} here is an (unknown) key, not x.
	f, err := Parse([]byte("Functions:\n  - Name: f\n    Url: http://x\n    Environment:\n      ${A}: ${A}\n"), envOf(map[string]string{"A": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Functions[0].Environment["${A}"]; got != "x" {
		t.Errorf("Environment = %q, want key ${A} with value x", f.Functions[0].Environment)
	}
}
