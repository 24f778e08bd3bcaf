package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sharedFiles(t testing.TB) []string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(sharedData, "*.json"))
	if len(files) == 0 {
		t.Skipf("no shared CloudTrail data in %s (CI lays shared/ beside the clone)", sharedData)
	}
	return files
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readAll(t testing.TB, r io.Reader) []json.RawMessage {
	t.Helper()
	var recs []json.RawMessage
	if err := ReadLog(r, func(rec json.RawMessage) error {
		recs = append(recs, rec)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestReadLogSharedFiles(t *testing.T) {
	files := sharedFiles(t)
	if got, want := len(files), 55; got != want {
		t.Fatalf("files: got %d, want %d", got, want)
	}
	gzDir := t.TempDir()
	var plain, zipped int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// The records are the file's own bytes, as encoding/json sees them.
		var whole struct{ Records []json.RawMessage }
		if err := json.Unmarshal(b, &whole); err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, bytes.NewReader(b))
		if got, want := len(recs), len(whole.Records); got != want {
			t.Fatalf("%s: got %d records, want %d", f, got, want)
		}
		for i := range recs {
			if !bytes.Equal(recs[i], whole.Records[i]) {
				t.Fatalf("%s: record %d differs", f, i)
			}
		}
		plain += len(recs)

		gz := filepath.Join(gzDir, filepath.Base(f)+".gz")
		if err := os.WriteFile(gz, gzipBytes(t, b), 0o644); err != nil {
			t.Fatal(err)
		}
		fh, err := os.Open(gz)
		if err != nil {
			t.Fatal(err)
		}
		zipped += len(readAll(t, fh))
		fh.Close()
	}
	if got, want := plain, 2900; got != want {
		t.Errorf("records of the plain files: got %d, want %d", got, want)
	}
	if got, want := zipped, 2900; got != want {
		t.Errorf("records of the gzipped files: got %d, want %d", got, want)
	}
}

func TestReadLogForms(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     []string
	}{
		{"records object is read", `{"Records":[{"a":1},{"b":[2]}]}`, []string{`{"a":1}`, `{"b":[2]}`}},
		{"bare array is read", `[{"a":1}, {"b":2}]`, []string{`{"a":1}`, `{"b":2}`}},
		{"other keys are skipped", `{"x":[1,{"y":[]}],"Records":[{"a":1}],"z":{"Records":3}}`, []string{`{"a":1}`}},
		{"record bytes are kept as written", "{\"Records\":[\n  {\"a\": 1,\n   \"b\": \"\\u00e9\"}\n]}\n", []string{"{\"a\": 1,\n   \"b\": \"\\u00e9\"}"}},
		{"empty records give nothing", `{"Records":[]}`, nil},
		{"null records give nothing", `{"Records":null}`, nil},
		{"object without records gives nothing", `{"other":1}`, nil},
		{"empty array gives nothing", " [ ] \n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, zipped := range []bool{false, true} {
				in := []byte(tc.in)
				if zipped {
					in = gzipBytes(t, in)
				}
				var got []string
				for _, r := range readAll(t, bytes.NewReader(in)) {
					got = append(got, string(r))
				}
				if strings.Join(got, "|") != strings.Join(tc.want, "|") {
					t.Errorf("gzip %v: got %q, want %q", zipped, got, tc.want)
				}
			}
		})
	}
}

func TestReadLogMalformed(t *testing.T) {
	for _, tc := range []struct {
		name, in  string
		line, col int
		msg       string
		records   int // read before the error
	}{
		{"empty file fails", "", 1, 1, "empty file", 0},
		{"truncated inside a record fails at the end", `{"Records":[{"a":1},{"b":`, 1, 26, "unexpected end of file", 1},
		{"truncated after a record fails at the end", "{\"Records\":[\n{\"a\":1}", 2, 8, "unexpected end of file", 1},
		{"truncated before the closing brace fails", `{"Records":[{"a":1}]`, 1, 21, "unexpected end of file", 1},
		{"not JSON fails at the first byte", "hello", 1, 1, "invalid character 'h'", 0},
		{"bad value fails at its byte", "{\"Records\":[\n  {\"a\":1},\n  {\"b\":tru}]}", 3, 11, "invalid character '}'", 1},
		{"string at the top fails", ` "Records"`, 1, 2, "is a string, not an object", 0},
		{"number at the top fails", `42`, 1, 1, "is a number", 0},
		{"records as an object fail", `{"Records":{"a":1}}`, 1, 12, "Records is an object, not an array", 0},
		{"records as a string fail", `{"Records":"x"}`, 1, 12, "Records is a string", 0},
		{"records as a number on the next line fail there", "{\"Records\":\n  1}", 2, 3, "Records is a number", 0},
		{"records as a number after spaces fail at the number", `{"Records":   1}`, 1, 15, "Records is a number", 0},
		{"record that is not an object fails", `{"Records":[{"a":1}, 7]}`, 1, 22, "a record is a number, not an object", 1},
		{"missing comma fails", `[{"a":1} {"b":2}]`, 1, 10, "", 1},
		{"data after the log fails", "{\"Records\":[]}\n{}", 2, 1, "data after the end of the log", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, zipped := range []bool{false, true} {
				in := []byte(tc.in)
				if zipped {
					in = gzipBytes(t, in)
				}
				n := 0
				err := ReadLog(bytes.NewReader(in), func(json.RawMessage) error { n++; return nil })
				var le *LogError
				if !errors.As(err, &le) {
					t.Fatalf("gzip %v: got %v, want a *LogError", zipped, err)
				}
				if got, want := [2]int{le.Line, le.Column}, [2]int{tc.line, tc.col}; got != want {
					t.Errorf("gzip %v: at %d:%d, want %d:%d (%v)", zipped, got[0], got[1], want[0], want[1], err)
				}
				if !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("gzip %v: error %q does not say %q", zipped, err, tc.msg)
				}
				if got, want := n, tc.records; got != want {
					t.Errorf("gzip %v: %d records before the error, want %d", zipped, got, want)
				}
			}
		})
	}
}

func TestReadLogCorruptGzipFails(t *testing.T) {
	z := gzipBytes(t, []byte(`{"Records":[{"a":1}]}`))
	z[len(z)-6] ^= 0xff // the CRC-32 of the content
	err := ReadLog(bytes.NewReader(z), func(json.RawMessage) error { return nil })
	var le *LogError
	if !errors.As(err, &le) || !errors.Is(err, gzip.ErrChecksum) {
		t.Fatalf("got %v, want a *LogError of gzip.ErrChecksum", err)
	}
}

func TestReadLogCallbackErrorIsReturned(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := ReadLog(strings.NewReader(`[{"a":1},{"b":2}]`), func(json.RawMessage) error { n++; return stop })
	if err != stop {
		t.Fatalf("got %v, want the callback's error", err)
	}
	if got, want := n, 1; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
}

func TestLogReaderBoundedMemory(t *testing.T) {
	// A long file read record by record keeps no more than its window.
	const n = 20000
	pr, pw := io.Pipe()
	go func() {
		lw := NewLogWriter(pw)
		for range n {
			_ = lw.Write(json.RawMessage(`{"eventVersion":"1.11","eventName":"GetObject"}`))
		}
		pw.CloseWithError(lw.Close())
	}()
	lr := NewLogReader(pr)
	count := 0
	for {
		_, err := lr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
		if got := len(lr.lines.newlines); got > 100 {
			t.Fatalf("line table holds %d entries", got)
		}
	}
	if got, want := count, n; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
}

func TestLogReaderBoundedLineTable(t *testing.T) {
	// A pretty-printed file: the table of line starts holds only the
	// lines of what the decoder has buffered, not the file's.
	const n = 20000
	var b strings.Builder
	b.WriteString("{\n  \"Records\": [\n")
	for i := range n {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, "    {\n      \"eventVersion\": \"1.08\",\n      \"eventID\": \"%d\"\n    }", i)
	}
	b.WriteString("\n  ]\n}\n\n x")
	lr := NewLogReader(strings.NewReader(b.String()))
	var err error
	count := 0
	for ; err == nil; count++ {
		_, err = lr.Next()
		if got := len(lr.lines.newlines); got > 10000 {
			t.Fatalf("line table holds %d entries", got)
		}
	}
	if got, want := count-1, n; got != want {
		t.Errorf("records: got %d, want %d", got, want)
	}
	var le *LogError
	if !errors.As(err, &le) {
		t.Fatalf("got %v, want a *LogError", err)
	}
	if got, want := [2]int{le.Line, le.Column}, [2]int{2 + 4*n + 4, 2}; got != want {
		t.Errorf("at %d:%d, want %d:%d", got[0], got[1], want[0], want[1])
	}
}

func TestLogWriterRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []string
	}{
		{"no records make an empty log", nil},
		{"one record is kept", []string{`{"a":1}`}},
		{"records are kept byte for byte", []string{`{"a":1}`, `{ "b" : [1, 2] }`, `{"c":"\u00e9"}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			lw := NewLogWriter(&buf)
			for _, r := range tc.recs {
				if err := lw.Write(json.RawMessage(r)); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := lw.Count(), len(tc.recs); got != want {
				t.Errorf("count: got %d, want %d", got, want)
			}
			if err := lw.Close(); err != nil {
				t.Fatal(err)
			}
			if b := buf.Bytes(); len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
				t.Fatal("output is not gzip")
			}
			zr, err := gzip.NewReader(bytes.NewReader(buf.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			content, _ := io.ReadAll(zr)
			var whole struct{ Records []json.RawMessage }
			if err := json.Unmarshal(content, &whole); err != nil {
				t.Fatalf("not a log: %v\n%s", err, content)
			}
			var got []string
			for _, r := range readAll(t, bytes.NewReader(buf.Bytes())) {
				got = append(got, string(r))
			}
			if strings.Join(got, "|") != strings.Join(tc.recs, "|") {
				t.Errorf("got %q, want %q", got, tc.recs)
			}
		})
	}
}

func TestLogWriterRejectsNonObjects(t *testing.T) {
	for _, in := range []string{``, `[1]`, `"x"`, `{"a":`, `{"a":1} {}`} {
		lw := NewLogWriter(io.Discard)
		if err := lw.Write(json.RawMessage(in)); err == nil {
			t.Errorf("%q: accepted", in)
		}
	}
}

func TestLogWriterSharedRoundTrip(t *testing.T) {
	recs := sharedRecords(t)
	var buf bytes.Buffer
	lw := NewLogWriter(&buf)
	for _, r := range recs {
		if err := lw.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := lw.Close(); err != nil {
		t.Fatal(err)
	}
	got := readAll(t, &buf)
	if got, want := len(got), 2900; got != want {
		t.Fatalf("records: got %d, want %d", got, want)
	}
	for i := range got {
		if !bytes.Equal(got[i], recs[i]) {
			t.Fatalf("record %d changed", i)
		}
	}
}

func FuzzReadLog(f *testing.F) {
	for _, s := range []string{
		`{"Records":[{"a":1}]}`, `[{"a":1},{"b":2}]`, `{"x":[1],"Records":null}`, "{\"Records\":[\n{\"a\":\n1}]}", `{"Records":[1]}`, ``, `nul`, "{\"Records\":\n1",
	} {
		f.Add([]byte(s))
	}
	f.Add(gzipBytes(f, []byte(`{"Records":[{"a":1}]}`)))
	f.Fuzz(func(t *testing.T, in []byte) {
		err := ReadLog(bytes.NewReader(in), func(rec json.RawMessage) error {
			if !json.Valid(rec) || rec[0] != '{' {
				t.Fatalf("record %q is not a JSON object", rec)
			}
			return nil
		})
		if err == nil {
			return
		}
		var le *LogError
		if !errors.As(err, &le) {
			t.Fatalf("error %v is not a *LogError", err)
		}
		if le.Line < 1 || le.Column < 1 || le.Offset < 0 {
			t.Fatalf("bad position %d:%d (offset %d)", le.Line, le.Column, le.Offset)
		}
		if len(in) < 2 || in[0] != 0x1f || in[1] != 0x8b {
			// The position names a place in the file (or just past its end).
			if le.Offset > int64(len(in)) {
				t.Fatalf("offset %d past the end (%d bytes)", le.Offset, len(in))
			}
			line := 1 + bytes.Count(in[:le.Offset], []byte("\n"))
			col := int(le.Offset) - bytes.LastIndexByte(in[:le.Offset], '\n')
			if le.Line != line || le.Column != col {
				t.Fatalf("position %d:%d, but offset %d is %d:%d", le.Line, le.Column, le.Offset, line, col)
			}
		}
	})
}

// BenchmarkReadLog reads the shared log files again and again, at least
// 100,000 records in all; it reports records/s and MB/s of JSON.
func BenchmarkReadLog(b *testing.B) {
	for _, zipped := range []bool{false, true} {
		name := "plain"
		if zipped {
			name = "gzip"
		}
		b.Run(name, func(b *testing.B) {
			files := sharedFiles(b)
			var contents [][]byte
			var size int64
			for _, f := range files {
				c, err := os.ReadFile(f)
				if err != nil {
					b.Fatal(err)
				}
				size += int64(len(c))
				if zipped {
					c = gzipBytes(b, c)
				}
				contents = append(contents, c)
			}
			rounds := 100000/2900 + 1 // ≥ 100,000 records per iteration
			b.SetBytes(size * int64(rounds))
			b.ResetTimer()
			records := 0
			for b.Loop() {
				for range rounds {
					for _, c := range contents {
						if err := ReadLog(bytes.NewReader(c), func(json.RawMessage) error { records++; return nil }); err != nil {
							b.Fatal(err)
						}
					}
				}
			}
			b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

// BenchmarkUnmarshalWholeLog is the baseline ReadLog streams against:
// each file read whole and unmarshalled at once.
func BenchmarkUnmarshalWholeLog(b *testing.B) {
	files := sharedFiles(b)
	var contents [][]byte
	var size int64
	for _, f := range files {
		c, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		size += int64(len(c))
		contents = append(contents, c)
	}
	b.SetBytes(size)
	records := 0
	for b.Loop() {
		for _, c := range contents {
			var whole struct{ Records []json.RawMessage }
			if err := json.Unmarshal(c, &whole); err != nil {
				b.Fatal(err)
			}
			records += len(whole.Records)
		}
	}
	b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
}
