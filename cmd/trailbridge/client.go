package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/trailbridge/trailbridge/capture"
)

// apiClientFlags are how the commands that talk to a trailbridge server
// (ingest, intercept) reach it: the endpoint and the credentials, with the
// AWS SDKs' environment variables.
type apiClientFlags struct {
	endpoint, region *string
}

func clientFlags(fs *flag.FlagSet) *apiClientFlags {
	return &apiClientFlags{
		endpoint: fs.String("endpoint-url", envOr("TRAILBRIDGE_ENDPOINT", "http://127.0.0.1:4010"), "`url` of the trailbridge server (TRAILBRIDGE_ENDPOINT); credentials from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
		region:   fs.String("region", envOr("AWS_REGION", envOr("AWS_DEFAULT_REGION", "us-east-1")), "`region` the requests are signed for (AWS_REGION)"),
	}
}

// client is the PutAuditRecords client the flags describe. Without
// credentials in the environment it signs with a placeholder key, which a
// server in development mode accepts.
func (f *apiClientFlags) client(bus string) *capture.Client {
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		id, secret = "AKIDTRAILBRIDGEDEV", "development-mode"
	}
	return &capture.Client{
		Endpoint: *f.endpoint, AccessKeyID: id, SecretAccessKey: secret, SessionToken: os.Getenv("AWS_SESSION_TOKEN"),
		Region: *f.region, EventBusName: bus, HTTPClient: &http.Client{Timeout: time.Minute},
	}
}

// putRecords sends records with deduplication by eventID.
func (f *apiClientFlags) putRecords(bus string) (putRecords, error) {
	c := f.client(bus)
	return func(ctx context.Context, recs []json.RawMessage) (put, dup, refused int, why string, err error) {
		entries := make([]capture.Captured, len(recs))
		for i, r := range recs {
			entries[i] = capture.Captured{Record: r}
		}
		res, err := c.PutAuditRecords(ctx, entries, true)
		if err != nil {
			var api *capture.APIError
			if errors.As(err, &api) && !api.Retryable() {
				return 0, 0, 0, "", &fatalError{err}
			}
			return 0, 0, 0, "", err
		}
		for _, e := range res.Entries {
			switch {
			case e.Duplicate:
				dup++
			case e.ErrorCode == "":
				put++
			case e.ErrorCode == "InternalFailure":
				// Retry the batch: what was put is skipped as a duplicate.
				return 0, 0, 0, "", fmt.Errorf("%s: %s", e.ErrorCode, e.ErrorMessage)
			default:
				refused++
				if why == "" {
					why = e.ErrorCode + ": " + e.ErrorMessage
				}
			}
		}
		return put, dup, refused, why, nil
	}, nil
}
