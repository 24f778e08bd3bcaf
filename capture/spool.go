package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The spool is a directory of segment files named by a growing number
// (00000000000000000001.seg, …). A segment is a sequence of frames:
//
//	uint32 length of payload (little endian)
//	uint32 CRC-32C of payload
//	payload: uvarint len, Source; uvarint len, DetailType; the record's JSON
//
// A process appends to one new segment at a time and never reopens an
// old one; a frame cut short by a crash, or failing its checksum, ends
// its segment.

const segSuffix = ".seg"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func segName(dir string, id uint64) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", id, segSuffix))
}

func listSegments(dir string) ([]segmentFile, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var segs []segmentFile
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), segSuffix)
		if !ok || e.IsDir() {
			continue
		}
		id, err := strconv.ParseUint(name, 10, 64)
		if err != nil || id == 0 {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		if info.Size() == 0 {
			_ = os.Remove(filepath.Join(dir, e.Name()))
			continue
		}
		segs = append(segs, segmentFile{id: id, size: info.Size()})
	}
	slices.SortFunc(segs, func(a, b segmentFile) int { return compareUint(a.id, b.id) })
	return segs, nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// appendFrame appends one frame whose record is built by rec.
func appendFrame(dst []byte, source, detailType string, rec func([]byte) []byte) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	dst = binary.AppendUvarint(dst, uint64(len(source)))
	dst = append(dst, source...)
	dst = binary.AppendUvarint(dst, uint64(len(detailType)))
	dst = append(dst, detailType...)
	dst = rec(dst)
	payload := dst[start+8:]
	binary.LittleEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return dst
}

var errBadFrame = errors.New("bad frame")

// parseFrame decodes the frame at the start of b. It returns the record,
// the frame's size, and io.ErrUnexpectedEOF when b holds only part of it.
func parseFrame(b []byte) (Captured, int, error) {
	if len(b) < 8 {
		return Captured{}, 0, io.ErrUnexpectedEOF
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n > maxFrame || n < 3 {
		return Captured{}, 0, errBadFrame
	}
	if len(b) < 8+n {
		return Captured{}, 0, io.ErrUnexpectedEOF
	}
	p := b[8 : 8+n]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return Captured{}, 0, errBadFrame
	}
	var c Captured
	for _, s := range []*string{&c.Source, &c.DetailType} {
		l, k := binary.Uvarint(p)
		if k <= 0 || l > uint64(len(p)-k) {
			return Captured{}, 0, errBadFrame
		}
		*s = string(p[k : k+int(l)])
		p = p[k+int(l):]
	}
	if len(p) == 0 {
		return Captured{}, 0, errBadFrame
	}
	c.Record = p
	return c, 8 + n, nil
}

// buildFrame appends j's frame; a record that cannot be built is dropped.
func (h *Handoff) buildFrame(dst []byte, j job) (out []byte, ok bool) {
	start := len(dst)
	defer func() {
		if p := recover(); p != nil {
			h.logger.Error("capture: building a record failed", "panic", p)
			out, ok = dst[:start], false
		}
	}()
	if j.ready != nil {
		return appendFrame(dst, j.ready.Source, j.ready.DetailType, func(b []byte) []byte { return append(b, j.ready.Record...) }), true
	}
	c := j.c
	defer c.release()
	return appendFrame(dst, c.rec.source, "", func(b []byte) []byte { return c.appendRecord(b) }), true
}

// writeLoop moves the memory queue to the spool until ctx is done. It
// commits in groups: after a sync it lets records gather for up to
// groupWindow before writing and syncing again (at most writeBatchLimit
// at a time), so that a busy spool syncs about 100 times a second
// whatever the call rate, and an idle one writes a record as soon as it
// comes. The memory queue (Capacity) must hold a window's records.
func (h *Handoff) writeLoop(ctx context.Context) {
	w := &segmentWriter{h: h}
	defer w.close()
	batch := make([]job, 0, writeBatchLimit)
	var buf []byte
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var lastSync time.Time
	for {
		select {
		case j := <-h.queue:
			batch = append(batch, j)
		case <-ctx.Done():
			h.stopped.Store(true)
			h.flushOnStop(w, batch, buf)
			return
		}
		if wait := groupWindow - time.Since(lastSync); wait > 0 {
			// Let the group gather without waking for each record: a send
			// to the buffered queue wakes no one while nobody receives.
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
			}
			timer.Stop()
		}
		batch = h.fill(batch)
		var n int
		buf, n = h.buildBatch(buf[:0], batch)
		clear(batch)
		batch = batch[:0]
		h.waitForSpace(ctx)
		w.persist(ctx, buf, n)
		lastSync = time.Now()
		if cap(buf) > 8<<20 {
			buf = nil
		}
	}
}

// fill adds to batch what the memory queue holds now, up to
// writeBatchLimit, without waiting.
func (h *Handoff) fill(batch []job) []job {
	for len(batch) < writeBatchLimit {
		select {
		case j := <-h.queue:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

func (h *Handoff) buildBatch(buf []byte, batch []job) ([]byte, int) {
	n := 0
	for _, j := range batch {
		var ok bool
		if buf, ok = h.buildFrame(buf, j); ok {
			n++
		} else {
			h.drop(1, "record could not be built")
		}
		h.free.Add(1)
	}
	return buf, n
}

// flushOnStop writes what is still queued, whatever the spool's size.
func (h *Handoff) flushOnStop(w *segmentWriter, batch []job, buf []byte) {
	for {
		batch = h.fill(batch)
		if len(batch) == 0 {
			return
		}
		var n int
		buf, n = h.buildBatch(buf[:0], batch)
		clear(batch)
		batch = batch[:0]
		w.persist(context.Background(), buf, n)
	}
}

// waitForSpace blocks while the spool is full and ctx alive.
func (h *Handoff) waitForSpace(ctx context.Context) {
	logged := false
	for h.spoolFull() {
		if !logged {
			h.logger.Warn("capture: spool full; records wait in memory until the sink catches up", "dir", h.dir, "maxBytes", h.maxSpool)
			logged = true
		}
		select {
		case <-h.space:
		case <-ctx.Done():
			return
		}
	}
}

// segmentWriter appends to the open segment; it belongs to writeLoop.
type segmentWriter struct {
	h    *Handoff
	f    *os.File
	id   uint64
	size int64
}

// persist appends buf (n records) to the spool and syncs it, retrying on
// errors while ctx is alive; records it cannot write are dropped.
func (w *segmentWriter) persist(ctx context.Context, buf []byte, n int) {
	if n == 0 {
		return
	}
	for attempt := 1; ; attempt++ {
		err := w.write(buf)
		if err == nil {
			w.h.spooled.Add(uint64(n))
			signal(w.h.notify)
			return
		}
		w.h.logger.Error("capture: writing the spool failed", "dir", w.h.dir, "err", err, "attempt", attempt)
		w.close() // a partial frame ends the segment
		if ctx.Err() != nil || attempt >= 5 && ctx == context.Background() || !sleep(ctx, backoff(attempt)) {
			w.h.drop(n, "spool not writable")
			return
		}
	}
}

func (w *segmentWriter) write(buf []byte) error {
	if w.f != nil && w.size > 0 && w.size+int64(len(buf)) > w.h.segMax {
		w.close()
	}
	if w.f == nil {
		if err := w.create(); err != nil {
			return err
		}
	}
	if _, err := w.f.Write(buf); err != nil {
		w.size += int64(len(buf)) // the file may hold part of it
		return err
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	w.size += int64(len(buf))
	h := w.h
	h.mu.Lock()
	h.openSize = w.size
	h.bytes += int64(len(buf))
	h.mu.Unlock()
	return nil
}

func (w *segmentWriter) create() error {
	h := w.h
	h.mu.Lock()
	id := h.nextID
	h.nextID++
	h.mu.Unlock()
	f, err := os.OpenFile(segName(h.dir, id), os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if d, err := os.Open(h.dir); err == nil { // make the new name durable
		_ = d.Sync()
		_ = d.Close()
	}
	w.f, w.id, w.size = f, id, 0
	h.mu.Lock()
	h.segs = append(h.segs, segmentFile{id: id})
	h.open, h.openSize = id, 0
	h.mu.Unlock()
	return nil
}

// close closes the open segment; the sender then reads it to its end.
func (w *segmentWriter) close() {
	if w.f == nil {
		return
	}
	_ = w.f.Sync()
	_ = w.f.Close()
	h := w.h
	h.mu.Lock()
	for i := range h.segs {
		if h.segs[i].id == w.id {
			h.segs[i].size = w.size
		}
	}
	if h.open == w.id {
		h.open, h.openSize = 0, 0
	}
	h.mu.Unlock()
	w.f = nil
	signal(h.notify)
}

// sendLoop sends the spool's records to the sink, oldest first, until
// ctx is done.
func (h *Handoff) sendLoop(ctx context.Context) {
	var (
		f     *os.File
		fid   uint64
		off   int64
		buf   []byte
		torn  bool
		batch []Captured
	)
	defer func() {
		if f != nil {
			_ = f.Close()
		}
	}()
	for ctx.Err() == nil {
		h.mu.Lock()
		if len(h.segs) == 0 {
			h.mu.Unlock()
			select {
			case <-h.notify:
			case <-ctx.Done():
			}
			continue
		}
		seg := h.segs[0]
		open := seg.id == h.open
		limit := seg.size
		if open {
			limit = h.openSize
		}
		h.mu.Unlock()

		if f == nil || fid != seg.id {
			if f != nil {
				_ = f.Close()
			}
			var err error
			if f, err = os.Open(segName(h.dir, seg.id)); err != nil {
				h.logger.Error("capture: reading the spool failed; skipping a segment", "segment", seg.id, "err", err)
				h.removeSegment(seg.id)
				f = nil
				continue
			}
			fid, off, torn = seg.id, 0, false
		}
		if !torn && off < limit {
			var next int64
			var err error
			batch, buf, next, err = readBatch(f, off, limit, batch[:0], buf)
			if err != nil {
				h.logger.Warn("capture: the rest of a spool segment is unreadable; skipping it", "segment", seg.id, "offset", off, "bytes", limit-off, "err", err)
				torn = true
			}
			if len(batch) > 0 {
				if !h.put(ctx, batch) {
					return
				}
				off = next
				h.mu.Lock()
				h.acked = off
				h.mu.Unlock()
				signal(h.space)
				buf, batch = nil, nil // the sink may still hold the records
				continue
			}
		}
		if !open && (torn || off >= limit) {
			_ = f.Close()
			f = nil
			h.removeSegment(seg.id)
			continue
		}
		select {
		case <-h.notify:
		case <-ctx.Done():
		}
	}
}

// put calls the sink until it accepts batch; it reports false when ctx
// ended first.
func (h *Handoff) put(ctx context.Context, batch []Captured) bool {
	for attempt := 1; ; attempt++ {
		err := h.sink.Put(ctx, batch)
		if err == nil {
			h.sent.Add(uint64(len(batch)))
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		h.sendErrors.Add(1)
		d := backoff(attempt)
		h.logger.Warn("capture: sending audit records failed; retrying", "records", len(batch), "attempt", attempt, "retryIn", d, "err", err)
		if !sleep(ctx, d) {
			return false
		}
	}
}

func (h *Handoff) removeSegment(id uint64) {
	if err := os.Remove(segName(h.dir, id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		h.logger.Error("capture: removing a sent spool segment failed", "segment", id, "err", err)
	}
	h.mu.Lock()
	for i, s := range h.segs {
		if s.id == id {
			if i == 0 {
				h.acked = 0
			}
			h.bytes -= s.size
			h.segs = slices.Delete(h.segs, i, i+1)
			break
		}
	}
	h.mu.Unlock()
	signal(h.space)
}

// readBatch reads frames from f between off and limit: at most
// maxBatchRecords records and about maxBatchBytes. It returns the
// records, the buffer they live in, and the offset after the last one.
// A frame cut short before limit, or corrupt, is an error when it comes
// first, and ends the batch otherwise.
func readBatch(f *os.File, off, limit int64, batch []Captured, buf []byte) ([]Captured, []byte, int64, error) {
	avail := limit - off
	want := int(min(avail, int64(maxBatchBytes+64<<10)))
	if cap(buf) < want {
		buf = make([]byte, want)
	}
	buf = buf[:want]
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return batch, buf, off, err
	}
	buf = buf[:n]
	pos, size := 0, 0
	for len(batch) < maxBatchRecords && pos < len(buf) {
		c, k, err := parseFrame(buf[pos:])
		if err != nil {
			if len(batch) > 0 {
				break
			}
			if errors.Is(err, io.ErrUnexpectedEOF) && len(buf) >= 8 {
				// A frame larger than the read: read it whole when it fits.
				need := 8 + int(binary.LittleEndian.Uint32(buf))
				if need > len(buf) && int64(need) <= avail && need <= maxFrame+8 {
					buf = make([]byte, need)
					if _, err := f.ReadAt(buf, off); err != nil {
						return batch, buf, off, err
					}
					continue
				}
			}
			return batch, buf, off, fmt.Errorf("offset %d: %w", off, err)
		}
		if len(batch) > 0 && size+len(c.Record) > maxBatchBytes {
			break
		}
		batch = append(batch, c)
		size += len(c.Record)
		pos += k
	}
	return batch, buf, off + int64(pos), nil
}
