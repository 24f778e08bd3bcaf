package main

// The README is run by these tests, so that it cannot rot:
//
//   - the blocks of the manual path (marked <!-- readme-test: manual -->)
//     run with bash and the real aws CLI against a demo started here, and
//     their "#>" lines are the output they must print;
//   - every other command line of a ```sh block must be in
//     readmeCommandTests, which names the test that exercises it;
//   - every `trailbridge SUBCOMMAND --flag` shown, in a block or inline,
//     names a subcommand and flags that exist;
//   - the configuration example parses and starts a server;
//   - the API coverage tables list every action of EventBridge's and SQS's
//     SDK clients once, and the server answers each as the table says;
//   - the metrics table names exactly the metrics the code defines;
//   - relative links point to files (and headings) that exist.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	eb "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/trailbridge/trailbridge/config"
	"github.com/trailbridge/trailbridge/internal/check"
	"github.com/trailbridge/trailbridge/sigv4"
)

// repoRoot is the repository's root, seen from this package's folder.
const repoRoot = "../.."

// manualMarker, on the line before a ```sh fence, marks a block of the
// manual path: the test runs it.
const manualMarker = "<!-- readme-test: manual -->"

// readmeCommandTests maps each command line of the README's ```sh blocks
// that are not part of the manual path (comments dropped, continuation
// lines joined, white space collapsed) to what exercises it: "DIR.Func", a
// test or benchmark function in DIR's test files, or ".ci/run: TEXT", a
// line of the CI script. A command the README gains must be added here
// with the test that runs it.
var readmeCommandTests = map[string][]string{
	"go run ./cmd/trailbridge serve":                          {"cmd/trailbridge.TestServeCommandStopsOnSignal"},
	"./.ci/run":                                               {".ci/run: go test -race -count=1 ./..."},
	"go run ./cmd/trailbridge demo":                           {"cmd/trailbridge.TestReadmeManualPath"},
	"go run ./cmd/trailbridge demo --once":                    {"cmd/trailbridge.TestDemoOnce"},
	"trailbridge verify-logs /var/lib/trailbridge/compliance": {"cmd/trailbridge.TestComplianceCopy"},
	"trailbridge ingest cloudtrail --endpoint-url http://127.0.0.1:4010 ./AWSLogs": {
		"cmd/trailbridge.TestIngestSharedDataOnce", "cmd/trailbridge.TestIngestFollow"},
	"trailbridge intercept --upstream http://127.0.0.1:8080 --event-source orders.example.com --route 'POST /orders=CreateOrder'": {
		"cmd/trailbridge.TestReadmeIntercept", "cmd/trailbridge.TestInterceptFailsOpen"},
	"go build -o nats-server github.com/nats-io/nats-server/v2": {"cmd/trailbridge.TestServeExternalNATS"},
	"./nats-server -js -sd /var/lib/nats -p 4222":               {"cmd/trailbridge.TestServeExternalNATS"},
	"TRAILBRIDGE_SECRET_KEY=$SEALING_KEY trailbridge serve --nats-url nats://127.0.0.1:4222 --addr 127.0.0.1:4010": {
		"cmd/trailbridge.TestServeExternalNATS", "cmd/trailbridge.TestServeSecretKeyFromConfig"},
	"TRAILBRIDGE_SECRET_KEY=$SEALING_KEY trailbridge serve --nats-url nats://127.0.0.1:4222 --addr 127.0.0.1:4011": {
		"cmd/trailbridge.TestServeExternalNATS"},
	"TRAILBRIDGE_ACCESS_KEYS=AKIAOPS0000000000001:$OPS_SECRET trailbridge serve --addr 0.0.0.0:4010": {
		"cmd/trailbridge.TestServeAccessKeys", "cmd/trailbridge.TestParseAccessKeys"},
	"go test -run '^$' -bench PutEvents -benchtime 4000x ./cmd/trailbridge":       {"cmd/trailbridge.BenchmarkPutEvents"},
	"go test -run '^$' -bench Delivery -benchtime 20000x ./cmd/trailbridge":       {"cmd/trailbridge.BenchmarkDelivery"},
	"go test -run '^$' -bench Queues -benchtime 60000x ./cmd/trailbridge":         {"cmd/trailbridge.BenchmarkQueues"},
	"go test -run '^$' -bench Ingest -benchtime 1x ./cmd/trailbridge":             {"cmd/trailbridge.BenchmarkIngest"},
	"go test -run '^$' -bench Append ./natsjs":                                    {"natsjs.BenchmarkAppend"},
	"go test -run XXX -bench ProxyOverheadSideBySide -benchtime 40000x ./capture": {"capture.BenchmarkProxyOverheadSideBySide"},
	"cd bench && go run . -passes 3":                                              {".ci/run: (cd bench && go vet ./... && go build -o /dev/null .)"},
}

// readmeBlock is one fenced code block of the README.
type readmeBlock struct {
	lang   string
	manual bool   // preceded by manualMarker
	line   int    // the opening fence's line, from 1
	text   string // the content, without the fences and the fence's indent
}

// readme is the README's text, and its blocks.
type readme struct {
	text   string
	blocks []readmeBlock
	prose  string // the text outside the blocks
}

func readReadme(t *testing.T) *readme {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	r := &readme{text: string(b)}
	lines := strings.Split(r.text, "\n")
	var prose strings.Builder
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		trimmed := strings.TrimLeft(l, " ")
		if !strings.HasPrefix(trimmed, "```") {
			prose.WriteString(l + "\n")
			continue
		}
		indent := len(l) - len(trimmed)
		blk := readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), line: i + 1}
		if i > 0 && strings.TrimSpace(lines[i-1]) == manualMarker {
			blk.manual = true
		}
		var body []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			bl := lines[i]
			if len(bl) >= indent && strings.TrimSpace(bl[:indent]) == "" {
				bl = bl[indent:]
			}
			body = append(body, bl)
		}
		if i == len(lines) {
			t.Fatalf("README.md:%d: code block not closed", blk.line)
		}
		blk.text = strings.Join(body, "\n") + "\n"
		r.blocks = append(r.blocks, blk)
	}
	r.prose = prose.String()
	if strings.Count(r.text, manualMarker) != countBlocks(r.blocks, func(b readmeBlock) bool { return b.manual }) {
		t.Errorf("README.md: every %s must be on the line just before a ```sh fence", manualMarker)
	}
	return r
}

func countBlocks(bs []readmeBlock, f func(readmeBlock) bool) int {
	n := 0
	for _, b := range bs {
		if f(b) {
			n++
		}
	}
	return n
}

// section returns the text of the README's "## heading" section.
func (r *readme) section(t *testing.T, heading string) string {
	t.Helper()
	start := strings.Index(r.text, "\n## "+heading+"\n")
	if start < 0 {
		t.Fatalf("README.md has no section %q", heading)
	}
	s := r.text[start+1:]
	if end := strings.Index(s[3:], "\n## "); end >= 0 {
		s = s[:end+4]
	}
	return s
}

// stripComment removes a shell comment: a # at the start of a word,
// outside quotes.
func stripComment(line string) string {
	var quote byte
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t'):
			return line[:i]
		}
	}
	return line
}

// commandLines splits a shell block into command lines: comments dropped,
// continuation lines joined, white space collapsed.
func commandLines(script string) []string {
	var out []string
	var cur strings.Builder
	for _, l := range strings.Split(script, "\n") {
		l = strings.TrimSpace(stripComment(l))
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\") + " ")
			continue
		}
		cur.WriteString(l)
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	return out
}

func TestReadmeOpening(t *testing.T) {
	r := readReadme(t)
	want := "# trailbridge\n\n```sh\ngo run ./cmd/trailbridge serve\n./.ci/run\n```\n"
	if !strings.HasPrefix(r.text, want) {
		t.Errorf("README.md must start with the two set-up commands:\n%s", want)
	}
}

// TestReadmeCommands checks that every command line of the README's
// blocks other than the manual path's is exercised by a test that exists.
func TestReadmeCommands(t *testing.T) {
	r := readReadme(t)
	seen := map[string]bool{}
	for _, b := range r.blocks {
		if b.lang != "sh" || b.manual {
			continue
		}
		for _, c := range commandLines(b.text) {
			seen[c] = true
			if _, ok := readmeCommandTests[c]; !ok {
				t.Errorf("README.md:%d: no test is known to run %q: add it to readmeCommandTests with the test that does", b.line, c)
			}
		}
	}
	for c, refs := range readmeCommandTests {
		if !seen[c] {
			t.Errorf("readmeCommandTests: %q is no longer in the README; remove it", c)
		}
		for _, ref := range refs {
			if err := checkTestRef(ref); err != nil {
				t.Errorf("readmeCommandTests[%q]: %v", c, err)
			}
		}
	}
}

var testFuncsCache sync.Map // dir → map[name]bool

// checkTestRef checks that "DIR.Func" names a test function of DIR, or
// that ".ci/run: TEXT" is a line of the CI script.
func checkTestRef(ref string) error {
	if text, ok := strings.CutPrefix(ref, ".ci/run: "); ok {
		b, err := os.ReadFile(filepath.Join(repoRoot, ".ci/run"))
		if err != nil {
			return err
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(l) == text {
				return nil
			}
		}
		return fmt.Errorf(".ci/run has no line %q", text)
	}
	i := strings.LastIndex(ref, ".")
	if i < 0 {
		return fmt.Errorf("%q: want DIR.Func or .ci/run: TEXT", ref)
	}
	dir, name := ref[:i], ref[i+1:]
	v, ok := testFuncsCache.Load(dir)
	if !ok {
		funcs := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(repoRoot, dir, "*_test.go"))
		re := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)\w*)\(`)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				funcs[m[1]] = true
			}
		}
		v, _ = testFuncsCache.LoadOrStore(dir, funcs)
	}
	if !v.(map[string]bool)[name] {
		return fmt.Errorf("%s has no test function %s", dir, name)
	}
	return nil
}

// TestReadmeSubcommandsAndFlags checks every `trailbridge SUB --flag …`
// the README shows, in blocks and inline: the subcommand exists and has
// each flag.
func TestReadmeSubcommandsAndFlags(t *testing.T) {
	r := readReadme(t)
	var mentions []string
	for _, b := range r.blocks {
		if b.lang == "sh" {
			mentions = append(mentions, commandLines(b.text)...)
		}
	}
	for _, m := range regexp.MustCompile("`([^`\n]+)`").FindAllStringSubmatch(r.prose, -1) {
		mentions = append(mentions, m[1])
	}
	names := map[string]bool{}
	for _, c := range commands() {
		names[c.name] = true
	}
	help := map[string]string{}
	checked := 0
	for _, m := range mentions {
		words := strings.Fields(m)
		for len(words) > 0 && regexp.MustCompile(`^[A-Z_]+=`).MatchString(words[0]) {
			words = words[1:] // VAR=value before the command
		}
		switch {
		case len(words) >= 2 && words[0] == "trailbridge":
			words = words[1:]
		case len(words) >= 4 && words[0] == "go" && words[1] == "run" && words[2] == "./cmd/trailbridge":
			words = words[3:]
		default:
			continue
		}
		sub := []string{words[0]}
		if !names[sub[0]] {
			t.Errorf("README shows %q: trailbridge has no command %q", m, sub[0])
			continue
		}
		checked++
		if sub[0] == "ingest" && len(words) > 1 && words[1] == "cloudtrail" {
			sub = append(sub, "cloudtrail")
		}
		var flags []string
		for _, w := range words[len(sub):] {
			if strings.HasPrefix(w, "-") && len(w) > 1 {
				name, _, _ := strings.Cut(strings.TrimLeft(w, "-"), "=")
				flags = append(flags, name)
			}
		}
		if len(flags) == 0 {
			continue
		}
		key := strings.Join(sub, " ")
		if _, ok := help[key]; !ok {
			var out bytes.Buffer
			run(t.Context(), append(slices.Clone(sub), "-h"), &out, &out)
			help[key] = out.String()
		}
		for _, f := range flags {
			if !regexp.MustCompile(`(?m)^\s+-` + regexp.QuoteMeta(f) + `(\s|$)`).MatchString(help[key]) {
				t.Errorf("README shows %q: trailbridge %s has no flag -%s", m, key, f)
			}
		}
	}
	if checked < 5 {
		t.Errorf("only %d trailbridge commands found in the README; the parsing is broken", checked)
	}
}

// TestReadmeLinks checks that the README's relative links name files that
// exist, and headings that exist where they name one.
func TestReadmeLinks(t *testing.T) {
	r := readReadme(t)
	links := regexp.MustCompile(`\]\(([^)\s]+)\)`).FindAllStringSubmatch(r.prose, -1)
	if len(links) == 0 {
		t.Fatal("no links found")
	}
	for _, m := range links {
		target := m[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
			continue
		}
		path, anchor, _ := strings.Cut(target, "#")
		file := "README.md"
		if path != "" {
			file = filepath.Clean(path)
			if _, err := os.Stat(filepath.Join(repoRoot, file)); err != nil {
				t.Errorf("link %s: %v", target, err)
				continue
			}
		}
		if anchor == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(repoRoot, file))
		if err != nil {
			t.Errorf("link %s: %v", target, err)
			continue
		}
		if !slices.Contains(headingAnchors(string(b)), anchor) {
			t.Errorf("link %s: %s has no heading with the anchor #%s", target, file, anchor)
		}
	}
}

// headingAnchors returns the anchors GitHub makes of a Markdown file's
// headings: lower case, punctuation other than - and _ dropped, spaces as
// hyphens (numbered when repeated).
func headingAnchors(md string) []string {
	var anchors []string
	count := map[string]int{}
	inBlock := false
	for _, l := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " "), "```") {
			inBlock = !inBlock
			continue
		}
		if inBlock || !strings.HasPrefix(l, "#") {
			continue
		}
		h := strings.TrimSpace(strings.TrimLeft(l, "#"))
		var b strings.Builder
		for _, c := range strings.ToLower(h) {
			switch {
			case c == ' ':
				b.WriteRune('-')
			case c == '-' || c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c > 127:
				b.WriteRune(c)
			}
		}
		a := b.String()
		if n := count[a]; n > 0 {
			anchors = append(anchors, fmt.Sprintf("%s-%d", a, n))
		} else {
			anchors = append(anchors, a)
		}
		count[a]++
	}
	return anchors
}

// readmeEnv gives every ${NAME} of the configuration example a value.
func readmeEnv(name string) (string, bool) {
	return "readme-" + strings.ToLower(name) + "-0123456789abcdefghijklmnopqrstuvwxyz", true
}

// TestReadmeConfiguration parses the README's configuration example, checks
// that it has every section of the file, and starts a server with it.
func TestReadmeConfiguration(t *testing.T) {
	r := readReadme(t)
	sec := r.section(t, "Configuration")
	var yaml string
	for _, b := range r.blocks {
		if b.lang == "yaml" && strings.Contains(sec, b.text) {
			yaml = b.text
		}
	}
	if yaml == "" {
		t.Fatal("the Configuration section has no yaml block")
	}
	f, err := config.Parse([]byte(yaml), readmeEnv)
	if err != nil {
		t.Fatalf("the README's configuration does not parse:\n%v", err)
	}
	// Complete: every section of config.File is shown.
	v := reflect.ValueOf(f).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("the README's configuration has no %s", v.Type().Field(i).Name)
		}
	}
	if f.Audit.ComplianceDir == "" || f.Audit.SelfAudit == nil {
		t.Errorf("the README's Audit section lacks ComplianceDir or SelfAudit: %+v", f.Audit)
	}

	// Applied: start a server with it, on free ports and in temporary folders.
	compliance := t.TempDir()
	yaml = strings.ReplaceAll(yaml, f.Audit.ComplianceDir, compliance)
	for _, ic := range f.Interceptors {
		addr, err := freeAddr("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		yaml = strings.Replace(yaml, "Listen: "+ic.Listen, "Listen: "+addr, 1)
	}
	path := filepath.Join(t.TempDir(), "trailbridge.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := startApp(t.Context(), serveOptions{Addr: "127.0.0.1:0", DataDir: t.TempDir(), ConfigFile: path,
		Region: "us-east-1", AccountID: "000000000000", Sync: "always", configEnv: readmeEnv}, testLogger(t))
	if err != nil {
		t.Fatalf("trailbridge serve --config with the README's configuration: %v", err)
	}
	defer a.Close()
	if len(a.Interceptors) != len(f.Interceptors) {
		t.Errorf("%d interceptors running, want %d", len(a.Interceptors), len(f.Interceptors))
	}
	key := f.AccessKeys[0]
	secret, _ := readmeEnv("OPS_SECRET")
	if key.SecretAccessKey != secret {
		t.Fatalf("AccessKeys[0].SecretAccessKey is %q, want ${OPS_SECRET}", key.SecretAccessKey)
	}
	c := sdkClient(a.URL, key.AccessKeyId, secret)
	for _, rule := range f.Rules {
		bus := rule.EventBusName
		if bus == "" {
			bus = "default"
		}
		out, err := c.ListTargetsByRule(t.Context(), &eb.ListTargetsByRuleInput{Rule: &rule.Name, EventBusName: &bus})
		if err != nil {
			t.Errorf("rule %s on %s: %v", rule.Name, bus, err)
		} else if len(out.Targets) != len(rule.Targets) {
			t.Errorf("rule %s: %d targets, want %d", rule.Name, len(out.Targets), len(rule.Targets))
		}
	}
}

// sdkActions lists the operations of an AWS SDK client: its methods that
// take an OperationInput.
func sdkActions(client any) []string {
	var names []string
	typ := reflect.TypeOf(client)
	for i := 0; i < typ.NumMethod(); i++ {
		m := typ.Method(i)
		if m.Type.NumIn() >= 3 && m.Type.In(2).Kind() == reflect.Pointer && m.Type.In(2).Elem().Name() == m.Name+"Input" {
			names = append(names, m.Name)
		}
	}
	return names
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestReadmeAPICoverage checks the coverage tables: each action of the
// EventBridge and SQS SDK clients is listed once, and the server answers
// each as its row says (implemented, or not implemented).
func TestReadmeAPICoverage(t *testing.T) {
	r := readReadme(t)
	sec := r.section(t, "API coverage, against EventBridge's")
	type row struct {
		actions []string
		status  string
	}
	var events, queues []row
	table := ""
	name := regexp.MustCompile("`([A-Za-z.]+)`")
	for _, l := range strings.Split(sec, "\n") {
		if !strings.HasPrefix(l, "|") {
			table = ""
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) < 2 || strings.HasPrefix(cells[0], "---") {
			continue
		}
		if table == "" {
			table = cells[0] // the header
			continue
		}
		first, status := cells[0], strings.TrimSpace(cells[len(cells)-1])
		var acts []string
		for _, m := range name.FindAllStringSubmatch(first, -1) {
			acts = append(acts, m[1])
		}
		switch {
		case strings.Contains(table, "EventBridge"):
			events = append(events, row{acts, status})
		case strings.HasPrefix(strings.TrimSpace(first), "SQS"):
			queues = append(queues, row{acts, status})
		}
	}
	listed := func(rows []row) []string {
		var all []string
		for _, r := range rows {
			all = append(all, r.actions...)
		}
		sort.Strings(all)
		return all
	}
	for _, c := range []struct {
		what         string
		rows         []row
		sdk          []string
		notSupported string
	}{
		{"EventBridge", events, sdkActions(&eb.Client{}), "NotImplementedException"},
		{"SQS", queues, sdkActions(&sqs.Client{}), "UnsupportedOperation"},
	} {
		got := listed(c.rows)
		sort.Strings(c.sdk)
		if len(c.sdk) < 15 {
			t.Fatalf("%s SDK: only %v found", c.what, c.sdk)
		}
		for _, a := range c.sdk {
			if n := countOf(got, a); n != 1 {
				t.Errorf("%s action %s is in the README's coverage table %d times, want once", c.what, a, n)
			}
		}
		for _, a := range got {
			if !slices.Contains(c.sdk, a) {
				t.Errorf("the README's coverage table lists %s, which is not an action of %s's SDK client", a, c.what)
			}
		}
		for _, r := range c.rows {
			if !strings.HasPrefix(r.status, "implemented") && !strings.Contains(r.status, c.notSupported) {
				t.Errorf("%s row %v: status %q is neither implemented nor %s", c.what, r.actions, r.status, c.notSupported)
			}
		}
	}

	// The server answers as the tables say.
	a, err := startApp(t.Context(), serveOptions{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Region: "us-east-1", AccountID: "000000000000", Sync: "always"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	call := func(service, target, contentType string) (int, string) {
		body := []byte("{}")
		req, _ := http.NewRequestWithContext(t.Context(), "POST", a.URL+"/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-Amz-Target", target)
		if err := sigv4.Sign(req, body, "AKIDREADME", "readme", "", service, "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-Query-Error") + " " + string(b)
	}
	for _, r := range events {
		for _, act := range r.actions {
			_, got := call("events", "AWSEvents."+act, "application/x-amz-json-1.1")
			notImpl := strings.Contains(got, "NotImplementedException")
			if unknown := strings.Contains(got, "UnknownOperation"); unknown || notImpl == strings.HasPrefix(r.status, "implemented") {
				t.Errorf("AWSEvents.%s: the README says %q, the server answers %s", act, r.status, got)
			}
		}
	}
	for _, r := range queues {
		for _, act := range r.actions {
			_, got := call("sqs", "AmazonSQS."+act, "application/x-amz-json-1.0")
			notImpl := strings.Contains(got, "UnsupportedOperation")
			if unknown := strings.Contains(got, "UnknownOperation"); unknown || notImpl == strings.HasPrefix(r.status, "implemented") {
				t.Errorf("AmazonSQS.%s: the README says %q, the server answers %s", act, r.status, got)
			}
		}
	}
	if !strings.Contains(sec, "`TrailBridge.PutAuditRecords`") {
		t.Error("the coverage tables do not mention TrailBridge.PutAuditRecords")
	}
	if _, got := call("events", "TrailBridge.PutAuditRecords", "application/x-amz-json-1.1"); strings.Contains(got, "UnknownOperation") {
		t.Errorf("TrailBridge.PutAuditRecords: %s", got)
	}
}

// TestReadmeMetrics checks that the metrics table names exactly the
// metrics the code defines.
func TestReadmeMetrics(t *testing.T) {
	r := readReadme(t)
	sec := r.section(t, "Metrics")
	inReadme := map[string]bool{}
	for _, m := range regexp.MustCompile("`(trailbridge_[A-Za-z_]+)`").FindAllStringSubmatch(sec, -1) {
		inReadme[m[1]] = true
	}
	inCode := map[string]bool{}
	for _, dir := range []string{"metrics", "cmd/trailbridge"} {
		files, _ := filepath.Glob(filepath.Join(repoRoot, dir, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range regexp.MustCompile(`"(trailbridge_[A-Za-z_]+)"`).FindAllStringSubmatch(string(b), -1) {
				inCode[m[1]] = true
			}
		}
	}
	if len(inCode) < 10 {
		t.Fatalf("only %d metric names found in the code", len(inCode))
	}
	for n := range inCode {
		if !inReadme[n] {
			t.Errorf("metric %s is not in the README's Metrics section", n)
		}
	}
	for n := range inReadme {
		if !inCode[n] {
			t.Errorf("the README's Metrics section names %s, which the code does not define", n)
		}
	}
}

// TestReadmeIntercept runs the README's `trailbridge intercept` command
// (on free ports, against a stand-in API) and checks that a call through
// it reaches the server as a record.
func TestReadmeIntercept(t *testing.T) {
	r := readReadme(t)
	var line string
	for _, b := range r.blocks {
		for _, c := range commandLines(b.text) {
			if strings.HasPrefix(c, "trailbridge intercept ") {
				line = c
			}
		}
	}
	if line == "" {
		t.Skip("the README shows no trailbridge intercept command")
	}
	args, err := shellWords(strings.TrimPrefix(line, "trailbridge intercept "))
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"o-1"}`)
	}))
	defer api.Close()
	for i, a := range args {
		if strings.HasPrefix(a, "http://127.0.0.1:8080") {
			args[i] = api.URL + strings.TrimPrefix(a, "http://127.0.0.1:8080")
		}
	}
	a, err := startApp(t.Context(), serveOptions{Addr: "127.0.0.1:0", DataDir: t.TempDir(),
		Region: "us-east-1", AccountID: "000000000000", Sync: "always"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	listen, err := freeAddr("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	args = append(args, "--listen", listen, "--endpoint-url", a.URL, "--spool-dir", t.TempDir())
	ctx, cancel := context.WithCancel(t.Context())
	var out bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- interceptCommand(ctx, args, &out, &out) }()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("trailbridge intercept %q: exit %d\n%s", args, code, out.String())
		}
	}()
	var resp *http.Response
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err = http.Post("http://"+listen+"/orders", "application/json", strings.NewReader(`{"item":"mug"}`))
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("POST /orders through the interceptor: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /orders through the interceptor: %s", resp.Status)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		m, err := http.Get(a.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(m.Body)
		m.Body.Close()
		if regexp.MustCompile(`(?m)^trailbridge_api_requests_total\{action="PutAuditRecords",code=""\} [1-9]`).Match(b) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PutAuditRecords call reached the server:\n%s", out.String())
		}
	}
}

// shellWords splits a command line as the shell does, for the simple
// quoting the README uses (single and double quotes, no escapes).
func shellWords(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// TestReadmeManualPath starts the demo as `trailbridge demo` does (the six
// scenarios played, then everything left running), and runs the README's
// manual-path blocks, as one bash script, with each aws CLI installed.
func TestReadmeManualPath(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the aws CLI some thirty times")
	}
	// The one on PATH (listed last), as a reader's shell finds it; with
	// TRAILBRIDGE_README_ALL_CLIS=1 also Debian's when it is another (each
	// run takes some forty seconds).
	clis := check.AWSCLIs(t)
	if os.Getenv("TRAILBRIDGE_README_ALL_CLIS") != "1" {
		clis = clis[len(clis)-1:]
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not on PATH: the README's manual path needs it", tool)
		}
	}
	r := readReadme(t)
	var script strings.Builder
	for _, b := range r.blocks {
		if b.manual {
			if b.lang != "sh" {
				t.Fatalf("README.md:%d: a manual block must be sh, not %q", b.line, b.lang)
			}
			fmt.Fprintf(&script, "# README.md:%d\n%s\n", b.line, b.text)
		}
	}
	if script.Len() == 0 {
		t.Fatal("the README has no manual-path blocks")
	}
	for _, cli := range clis {
		t.Run(strings.ReplaceAll(strings.TrimPrefix(cli, "/"), "/", "_"), func(t *testing.T) {
			runManualPath(t, cli, script.String())
		})
	}
}

func runManualPath(t *testing.T, cli, script string) {
	// The demo on free ports; the script's default ports are rewritten to them.
	ports := map[string]string{}
	var addrs [4]string
	for i, def := range []string{"127.0.0.1:4010", "127.0.0.1:4020", "127.0.0.1:4030", "127.0.0.1:4040"} {
		a, err := freeAddr("127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addrs[i], ports[def] = a, a
	}
	self := filepath.Join(t.TempDir(), "trailbridge")
	if err := os.WriteFile(self, []byte("#!/bin/sh\n"+cliEnv+"=1 exec '"+os.Args[0]+"' \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := demoOptions{dataDir: t.TempDir(), addr: addrs[0], interceptAddr: addrs[1], cloudAddr: addrs[2], hookAddr: addrs[3], self: self}
	var demoOut bytes.Buffer
	d, err := startDemo(t.Context(), o, testLogger(t), &demoOut)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, res := range d.runScenarios(t.Context(), 30*time.Second) {
		if !res.OK {
			t.Errorf("demo: %s: %v", res.Title, res.Err)
		}
	}
	if t.Failed() {
		t.Fatalf("the demo's scenarios failed:\n%s", demoOut.String())
	}

	for def, a := range ports {
		script = strings.ReplaceAll(script, def, a)
	}
	home := t.TempDir()
	bin := filepath.Join(home, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(cli, filepath.Join(bin, "aws")); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "AWS_") && !strings.HasPrefix(e, "PATH=") {
			env = append(env, e)
		}
	}
	env = append(env, "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"AWS_CONFIG_FILE="+filepath.Join(home, "config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED=true")
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", "set -euo pipefail\n"+script)
	cmd.Env, cmd.Dir = env, t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	t.Logf("the manual path took %v with %s", time.Since(start).Round(time.Millisecond), cli)
	if err != nil {
		t.Fatalf("the README's manual path failed: %v\n--- output:\n%s", err, out.String())
	}
	if err := matchExpected(script, out.String()); err != nil {
		t.Fatalf("%v\n--- output:\n%s", err, out.String())
	}
	// The effects, read from the demo cloud itself.
	if u, ok := d.cloud.User("trudy"); !ok || !u.Disabled() {
		t.Errorf("user trudy after the manual path: %+v (want disabled)", u)
	}
	if b, ok := d.cloud.Bucket("team-share"); !ok || b.Policy != "" {
		t.Errorf("bucket team-share after the manual path: %+v (want no policy)", b)
	}
}

// matchExpected checks that the "#> " lines of script are lines of out, in
// order; "…" in an expected line stands for any text.
func matchExpected(script, out string) error {
	var want []string
	for _, l := range strings.Split(script, "\n") {
		if e, ok := strings.CutPrefix(strings.TrimSpace(l), "#> "); ok && strings.TrimSpace(e) != "…" {
			want = append(want, e)
		}
	}
	if len(want) == 0 {
		return fmt.Errorf("the manual path has no #> lines to check")
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), " \r"))
	}
	i := 0
	for _, w := range want {
		parts := strings.Split(w, "…")
		for k := range parts {
			parts[k] = regexp.QuoteMeta(parts[k])
		}
		re := regexp.MustCompile("^" + strings.Join(parts, ".*") + "$")
		found := false
		for ; i < len(lines); i++ {
			if re.MatchString(lines[i]) {
				found, i = true, i+1
				break
			}
		}
		if !found {
			return fmt.Errorf("the manual path did not print %q (in order)", w)
		}
	}
	return nil
}

// TestReadmeExpectedOutput checks matchExpected itself.
func TestReadmeExpectedOutput(t *testing.T) {
	script := "cmd\n#> a…c\n#> …\n#> {\"x\":1}\n"
	if err := matchExpected(script, "abc\nzzz\n{\"x\":1}\n"); err != nil {
		t.Error(err)
	}
	if err := matchExpected(script, "{\"x\":1}\nabc\n"); err == nil {
		t.Error("out of order output accepted")
	}
}
