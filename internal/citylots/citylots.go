// Package citylots gives tests and benchmarks the citylots2 data set (213,068
// San Francisco lots as JSON lines) and the 70 rules whose match counts over
// it were recorded from aws/event-ruler's benchmark.
package citylots

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Module is the Go module whose zip carries the data file.
const Module = "github.com/timbray/quamina@v1.5.1"

// Lines is how many events the data set holds.
const Lines = 213068

// DataPath returns the path of citylots2.json.gz in the Go module cache,
// downloading the module through the module proxy when it is missing.
func DataPath(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMODCACHE").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMODCACHE: %w", err)
	}
	name, version, _ := strings.Cut(Module, "@")
	path := filepath.Join(strings.TrimSpace(string(out)), name+"@"+version, "testdata", "citylots2.json.gz")
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	// "go mod download" needs a module to run in; use an empty one.
	dir, err := os.MkdirTemp("", "citylots")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module citylots.example\n"), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", Module)
	cmd.Dir = dir
	var res struct{ Dir, Error string }
	b, err := cmd.Output()
	if jerr := json.Unmarshal(b, &res); err != nil || jerr != nil || res.Error != "" {
		return "", fmt.Errorf("go mod download %s: %v %s", Module, err, res.Error)
	}
	path = filepath.Join(res.Dir, "testdata", "citylots2.json.gz")
	if _, err := os.Stat(path); err != nil {
		return "", err
	}
	return path, nil
}

// ReadLines returns the events of the gzipped JSON-lines file at path.
func ReadLines(path string) ([][]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var lines [][]byte
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<20)
	for sc.Scan() {
		lines = append(lines, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(lines) != Lines {
		return nil, fmt.Errorf("%s: %d lines, want %d", path, len(lines), Lines)
	}
	return lines, nil
}

// Rule is one of the recorded rules with its match count.
type Rule struct {
	Set     string `json:"set"`
	Name    string `json:"rule"`
	Pattern string `json:"pattern_text"`
	Count   int    `json:"count"`
}

// Sets lists the rule sets in the order the benchmark runs them.
var Sets = []string{
	"EXACT", "WILDCARD", "PREFIX", "PREFIX_EQUALS_IGNORE_CASE", "SUFFIX", "SUFFIX_EQUALS_IGNORE_CASE",
	"EQUALS_IGNORE_CASE", "COMPLEX_ARRAYS", "NUMERIC", "ANYTHING_BUT", "ANYTHING_BUT_IGNORE_CASE",
	"ANYTHING_BUT_PREFIX", "ANYTHING_BUT_SUFFIX", "ANYTHING_BUT_WILDCARD",
}

// ErrNoRules reports that the shared conformance folder is not beside the repository.
var ErrNoRules = errors.New("citylots2-rules.json not found")

// ReadRules reads the 70 rules from the shared conformance folder conformanceDir.
func ReadRules(conformanceDir string) ([]Rule, error) {
	b, err := os.ReadFile(filepath.Join(conformanceDir, "citylots2-rules.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w in %s", ErrNoRules, conformanceDir)
	}
	if err != nil {
		return nil, err
	}
	var doc struct{ Rules []Rule }
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("citylots2-rules.json: %w", err)
	}
	if len(doc.Rules) != 70 {
		return nil, fmt.Errorf("citylots2-rules.json: %d rules, want 70", len(doc.Rules))
	}
	return doc.Rules, nil
}
