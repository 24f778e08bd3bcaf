package config

import "testing"

func TestSuggest(t *testing.T) {
	known := []string{"Name", "EventBusName", "Targets", "State", "Id", "Arn", "Input", "InputPath"}
	tests := []struct{ key, want string }{
		{"Tragets", "Targets"},
		{"Target", "Targets"},
		{"name", "Name"},
		{"ARN", "Arn"},
		{"id", "Id"},
		{"Sate", "State"},
		{"InputPth", "InputPath"},
		{"Ix", ""},
		{"Archives", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.key, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "abc", 0},
		{"abc", "", 3},
		{"tragets", "targets", 1},
		{"kitten", "sitting", 3},
		{"ab", "ba", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
