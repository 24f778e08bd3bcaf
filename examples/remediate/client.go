package remediate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trailbridge/trailbridge/sigv4"
)

// targetPrefixes are the demo cloud's AWS JSON 1.1 target prefixes, by
// SigV4 signing name.
var targetPrefixes = map[string]string{
	"iam": "AWSIdentityManagementV20100508",
	"s3":  "AmazonS3",
	"ec2": "AmazonEC2",
	"rds": "AmazonRDSv19",
}

// APIError is an error answer of the demo API.
type APIError struct {
	Service, Operation string
	Status             int
	Code, Message      string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("%s %s: %s: %s (HTTP %d)", e.Service, e.Operation, e.Code, e.Message, e.Status)
}

// hasCode says whether err is an APIError with one of codes.
func hasCode(err error, codes ...string) bool {
	c := codeOf(err)
	return c != "" && slices.Contains(codes, c)
}

// codeOf is err's APIError code, or "".
func codeOf(err error) string {
	var e *APIError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// client calls the demo API in AWS JSON 1.1, signing with SigV4.
type client struct {
	endpoint           string // http://host:port, the interceptor in front of the demo
	key, secret, token string
	http               *http.Client
	now                func() time.Time
}

// call posts in to service's operation op in region and decodes the
// answer into out (nil to ignore it).
func (c *client) call(ctx context.Context, service, region, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(c.endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", targetPrefixes[service]+"."+op)
	if err := sigv4.Sign(req, body, c.key, c.secret, c.token, service, region, c.now()); err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", service, op, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", service, op, err)
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Service: service, Operation: op, Status: resp.StatusCode}
		var doc struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
			Msg     string `json:"Message"`
		}
		if json.Unmarshal(b, &doc) == nil && doc.Type != "" {
			// __type may carry a namespace: "com.amazonaws…#Code".
			e.Code = doc.Type[strings.LastIndex(doc.Type, "#")+1:]
			e.Message = doc.Message + doc.Msg
		} else {
			e.Code, e.Message = http.StatusText(resp.StatusCode), strings.TrimSpace(string(b))
		}
		return e
	}
	if out == nil || len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("%s %s: answer: %w", service, op, err)
	}
	return nil
}
