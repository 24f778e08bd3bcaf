// Command democloud serves the demo cloud (package democloud) on one
// address, for trailbridge's interceptor to stand in front of:
//
//	democloud -addr 127.0.0.1:4580 -account 000000000000 -region us-east-1
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/trailbridge/trailbridge/examples/democloud"
)

func main() {
	addr := flag.String("addr", envOr("DEMOCLOUD_ADDR", "127.0.0.1:4580"), "listen address (DEMOCLOUD_ADDR)")
	account := flag.String("account", envOr("DEMOCLOUD_ACCOUNT", "000000000000"), "account ID in ARNs (DEMOCLOUD_ACCOUNT)")
	region := flag.String("region", envOr("DEMOCLOUD_REGION", "us-east-1"), "region of unsigned requests (DEMOCLOUD_REGION)")
	flag.Parse()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	c := democloud.New(democloud.Options{Account: *account, Region: *region, Logger: logger})
	logger.Info("democloud: listening", "addr", *addr)
	if err := http.ListenAndServe(*addr, c); err != nil {
		fmt.Fprintln(os.Stderr, "democloud:", err)
		os.Exit(1)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
