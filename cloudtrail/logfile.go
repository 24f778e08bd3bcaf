package cloudtrail

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// A LogError says where a log file is malformed: the line and column
// (both from 1; the column counts bytes) of the decompressed content, and
// what is wrong. A command can print it as FILE:LINE:COL: message.
type LogError struct {
	Line   int
	Column int
	Offset int64 // bytes of decompressed content before the error
	Err    error
}

func (e *LogError) Error() string { return fmt.Sprintf("%d:%d: %v", e.Line, e.Column, e.Err) }

func (e *LogError) Unwrap() error { return e.Err }

// ReadLog reads a CloudTrail log file from r and calls fn with each
// record's JSON, exactly the bytes of the file. See LogReader for the
// forms it accepts. A malformed file gives a *LogError; an error of fn
// stops the reading and is returned as it is.
func ReadLog(r io.Reader, fn func(record json.RawMessage) error) error {
	lr := NewLogReader(r)
	for {
		rec, err := lr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// A LogReader reads the records of one CloudTrail log file, one at a
// time, so that its memory is bounded by the largest record rather than
// the file. It accepts:
//
//   - CloudTrail's form, an object {"Records":[…]} (other keys are skipped;
//     a null Records is no records),
//   - a bare array of records [{…},…] (the form of stratus-red-team's logs),
//
// plain or gzip-compressed (recognised by gzip's magic bytes). Every
// record must be a JSON object. Nothing but white space may follow the
// top-level value.
//
// A LogReader is not safe for concurrent use.
type LogReader struct {
	src   io.Reader
	lines *lineCounter
	dec   *json.Decoder
	state int
	bare  bool // a bare array, not an object
	err   error
}

const (
	stateStart   = iota
	stateRecords // inside the records array
	stateKeys    // inside the top-level object, between keys
	stateDone
)

// NewLogReader returns a reader of the log file r.
func NewLogReader(r io.Reader) *LogReader { return &LogReader{src: r} }

// Next returns the next record's JSON, io.EOF after the last one, or
// the error (a *LogError when the file is malformed) that ended the
// file. The returned bytes are not reused by later calls.
func (lr *LogReader) Next() (json.RawMessage, error) {
	if lr.err != nil {
		return nil, lr.err
	}
	rec, err := lr.next()
	if err != nil {
		lr.err = err
	}
	return rec, err
}

func (lr *LogReader) next() (json.RawMessage, error) {
	for {
		switch lr.state {
		case stateStart:
			if err := lr.start(); err != nil {
				return nil, err
			}
		case stateRecords:
			if lr.dec.More() {
				var rec json.RawMessage
				if err := lr.dec.Decode(&rec); err != nil {
					return nil, lr.decodeError(err)
				}
				rec = bytes.TrimSpace(rec)
				off := lr.dec.InputOffset() - int64(len(rec)) // where the record starts
				lr.lines.advance(off)
				if rec[0] != '{' {
					return nil, lr.errorAt(off, fmt.Errorf("a record is %s, not an object", kind(rec[0])))
				}
				return rec, nil
			}
			if _, err := lr.dec.Token(); err != nil { // the closing ]
				return nil, lr.decodeError(err)
			}
			if lr.bare {
				lr.state = stateDone
			} else {
				lr.state = stateKeys
			}
		case stateKeys:
			if err := lr.keys(); err != nil {
				return nil, err
			}
		case stateDone:
			if err := lr.end(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
	}
}

// start opens the stream and reads up to the first record.
func (lr *LogReader) start() error {
	br := bufio.NewReaderSize(lr.src, 64<<10)
	var content io.Reader = br
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return &LogError{Line: 1, Column: 1, Err: fmt.Errorf("gzip: %w", err)}
		}
		content = zr
	}
	lr.lines = &lineCounter{r: content}
	lr.dec = json.NewDecoder(lr.lines)
	lr.lines.consumed = lr.dec.InputOffset
	lr.dec.UseNumber()
	if !lr.dec.More() {
		if lr.lines.eof {
			return lr.errorAt(lr.lines.read, errors.New("empty file, not a log"))
		}
	}
	off := lr.dec.InputOffset()
	tok, err := lr.dec.Token()
	if err != nil {
		return lr.decodeError(err)
	}
	switch tok {
	case json.Delim('['):
		lr.bare = true
		lr.state = stateRecords
		return nil
	case json.Delim('{'):
		lr.state = stateKeys
		return lr.keys()
	}
	return lr.errorAt(off, fmt.Errorf("the file is %s, not an object with Records nor an array", tokenKind(tok)))
}

// keys reads top-level keys up to the Records array or the object's end.
func (lr *LogReader) keys() error {
	for lr.dec.More() {
		tok, err := lr.dec.Token()
		if err != nil {
			return lr.decodeError(err)
		}
		if tok != "Records" {
			if err := lr.skip(); err != nil {
				return err
			}
			continue
		}
		lr.dec.More() // to the colon
		off := lr.valueStart()
		tok, err = lr.dec.Token()
		if err != nil {
			return lr.decodeError(err)
		}
		if _, ok := tok.(json.Delim); ok {
			off = lr.dec.InputOffset() - 1 // exact, even after white space
		}
		switch tok {
		case json.Delim('['):
			lr.state = stateRecords
			return nil
		case nil:
			continue
		}
		return lr.errorAt(off, fmt.Errorf("Records is %s, not an array", tokenKind(tok)))
	}
	if _, err := lr.dec.Token(); err != nil { // the closing }
		return lr.decodeError(err)
	}
	lr.state = stateDone
	return nil
}

// valueStart is the offset of the value after the colon the decoder
// stands at, found in its buffer: past the colon and any white space (or
// just past the colon when the buffer ends before the value).
func (lr *LogReader) valueStart() int64 {
	off := lr.dec.InputOffset()
	var b [256]byte
	n, _ := io.ReadFull(lr.dec.Buffered(), b[:])
	i := 0
	if i < n && b[i] == ':' {
		i++
	}
	for i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	if i == n {
		return off + 1
	}
	return off + int64(i)
}

// skip reads past one value token by token, so a large value other than
// Records is never held whole.
func (lr *LogReader) skip() error {
	depth := 0
	for {
		tok, err := lr.dec.Token()
		if err != nil {
			return lr.decodeError(err)
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
		if depth == 0 {
			lr.lines.advance(lr.dec.InputOffset())
			return nil
		}
	}
}

// end checks that nothing but white space follows the top-level value.
func (lr *LogReader) end() error {
	lr.dec.More() // to the first byte that is not white space
	off := lr.dec.InputOffset()
	_, err := lr.dec.Token()
	if err == io.EOF {
		return nil
	}
	if err != nil && !isSyntax(err) {
		return lr.decodeError(err)
	}
	return lr.errorAt(off, errors.New("data after the end of the log"))
}

func isSyntax(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se)
}

// decodeError turns an error of the decoder into a *LogError at the place
// it names: a syntax error at its offending byte, a read error or a
// truncated file at the end of what was read.
func (lr *LogReader) decodeError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return lr.errorAt(lr.syntaxOffset(), errors.New(se.Error()))
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		if lr.lines.err != nil && lr.lines.err != io.EOF {
			err = lr.lines.err
		} else {
			err = errors.New("unexpected end of file (truncated?)")
		}
		return lr.errorAt(lr.lines.read, err)
	}
	if lr.lines.err != nil && lr.lines.err != io.EOF {
		return lr.errorAt(lr.lines.read, err)
	}
	return lr.errorAt(lr.dec.InputOffset(), err)
}

// syntaxOffset finds the offending byte of a syntax error. The offsets
// of json.SyntaxError are relative to the value being decoded in some
// cases and absolute in others, so the buffered rest of the input (which
// starts where the failed value or token starts, and holds the offending
// byte) is decoded again on its own.
func (lr *LogReader) syntaxOffset() int64 {
	base := lr.dec.InputOffset()
	rest, _ := io.ReadAll(lr.dec.Buffered())
	var v json.RawMessage
	var se *json.SyntaxError
	if err := json.NewDecoder(bytes.NewReader(rest)).Decode(&v); errors.As(err, &se) && se.Offset > 0 {
		return base + se.Offset - 1
	}
	return base
}

func (lr *LogReader) errorAt(off int64, err error) *LogError {
	line, col := lr.lines.position(off)
	return &LogError{Line: line, Column: col, Offset: off, Err: err}
}

func kind(c byte) string {
	switch c {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
		return "an object"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "a number"
}

// lineCounter passes its reader's bytes through, remembering where lines
// begin in the part the decoder has read but not yet consumed, so that an
// offset can be turned into a line and column without keeping the file.
type lineCounter struct {
	r        io.Reader
	consumed func() int64 // the decoder's InputOffset
	read     int64        // bytes read so far
	eof      bool
	err      error

	base      int64   // offsets below base are folded into lines/lastStart
	lines     int     // newlines before base
	lastStart int64   // offset where the line containing base starts
	newlines  []int64 // offsets of newlines at or above base
}

func (c *lineCounter) Read(p []byte) (int, error) {
	if c.consumed != nil {
		// The decoder is refilling: what it consumed is no longer needed,
		// so the table stays as small as the decoder's buffer.
		c.advance(c.consumed())
	}
	n, err := c.r.Read(p)
	for i, b := 0, p[:n]; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		c.newlines = append(c.newlines, c.read+int64(i+j))
		i += j + 1
	}
	c.read += int64(n)
	if err != nil {
		c.err = err
		if err == io.EOF {
			c.eof = true
		}
	}
	return n, err
}

// advance folds the newlines below off into the count; off never goes
// back.
func (c *lineCounter) advance(off int64) {
	if off <= c.base {
		return
	}
	i := 0
	for i < len(c.newlines) && c.newlines[i] < off {
		c.lastStart = c.newlines[i] + 1
		i++
	}
	c.lines += i
	c.newlines = append(c.newlines[:0], c.newlines[i:]...)
	c.base = off
}

// position is the 1-based line and byte column of offset off (≥ the last
// advance).
func (c *lineCounter) position(off int64) (line, col int) {
	line, start := c.lines, c.lastStart
	for _, nl := range c.newlines {
		if nl >= off {
			break
		}
		line++
		start = nl + 1
	}
	return line + 1, int(off-start) + 1
}

// A LogWriter writes a CloudTrail log file, {"Records":[…]} compressed
// with gzip, record by record. Close ends the file; it does not close
// the underlying writer. A LogWriter is not safe for concurrent use.
type LogWriter struct {
	zw  *gzip.Writer
	n   int
	err error
}

// NewLogWriter returns a writer of a log file to w.
func NewLogWriter(w io.Writer) *LogWriter {
	return &LogWriter{zw: gzip.NewWriter(w)}
}

// Write adds one record, a JSON object, written as given (white space
// around it trimmed).
func (lw *LogWriter) Write(record json.RawMessage) error {
	if lw.err != nil {
		return lw.err
	}
	record = bytes.TrimSpace(record)
	if len(record) == 0 || record[0] != '{' || !json.Valid(record) {
		return errors.New("log writer: a record must be a JSON object")
	}
	sep := ","
	if lw.n == 0 {
		sep = `{"Records":[`
	}
	if _, err := io.WriteString(lw.zw, sep); err != nil {
		lw.err = err
		return err
	}
	if _, err := lw.zw.Write(record); err != nil {
		lw.err = err
		return err
	}
	lw.n++
	return nil
}

// Count is the number of records written so far.
func (lw *LogWriter) Count() int { return lw.n }

// Close writes the end of the file and flushes the compressor. A file
// without records is {"Records":[]}.
func (lw *LogWriter) Close() error {
	if lw.err != nil {
		return lw.err
	}
	end := "]}\n"
	if lw.n == 0 {
		end = `{"Records":[]}` + "\n"
	}
	if _, err := io.WriteString(lw.zw, end); err != nil {
		lw.err = err
		return err
	}
	lw.err = errors.New("log writer: closed")
	return lw.zw.Close()
}
