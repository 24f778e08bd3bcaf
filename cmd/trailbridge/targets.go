package main

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	tb "github.com/trailbridge/trailbridge"
	"github.com/trailbridge/trailbridge/config"
	"github.com/trailbridge/trailbridge/natsjs"
	"github.com/trailbridge/trailbridge/secret"
	"github.com/trailbridge/trailbridge/target"
	"github.com/trailbridge/trailbridge/target/apidest"
	"github.com/trailbridge/trailbridge/target/bus"
	"github.com/trailbridge/trailbridge/target/function"
	"github.com/trailbridge/trailbridge/target/logs"
	"github.com/trailbridge/trailbridge/target/queue"
)

// secretBox seals connection secrets with the key of TRAILBRIDGE_SECRET_KEY
// (base64 of 32 bytes, or a passphrase), else of the config file's
// SecretKey, else with a random key kept in the data folder. Processes that share one external JetStream
// must share the key, so they need the variable.
func secretBox(o serveOptions, file *configFile, log *slog.Logger) (*secret.Box, error) {
	var keys [][]byte
	from, s := "TRAILBRIDGE_SECRET_KEY", strings.TrimSpace(o.SecretKey)
	if s == "" {
		from, s = "config: "+file.path+": SecretKey", strings.TrimSpace(file.SecretKey)
	}
	if s != "" {
		k, err := secret.KeyFromString(s)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", from, err)
		}
		keys = append(keys, k)
	} else {
		path := filepath.Join(o.DataDir, "secret.key")
		k, err := secret.LoadOrCreateKey(path)
		if err != nil {
			return nil, fmt.Errorf("secret key: %w", err)
		}
		if o.NATSURL != "" {
			log.Warn("connection secrets are sealed with a key of this machine's data folder; give every trailbridge that shares the JetStream the same TRAILBRIDGE_SECRET_KEY or SecretKey", "key_file", path)
		}
		keys = append(keys, k)
	}
	for _, s := range strings.Split(o.OldSecretKeys, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		k, err := secret.KeyFromString(s)
		if err != nil {
			return nil, fmt.Errorf("TRAILBRIDGE_SECRET_KEY_OLD: %w", err)
		}
		keys = append(keys, k)
	}
	return secret.NewBox(keys[0], keys[1:]...)
}

// targets is the registry of every kind of target serve delivers to.
func targets(o serveOptions, file *configFile, eng *natsjs.Engine, cfg *natsjs.Config, dests apidest.Resolver, queues *queue.Kind, place tb.Place, log *slog.Logger) (*target.Registry, error) {
	specs := make([]function.Spec, 0, len(file.Functions))
	for _, f := range file.Functions {
		specs = append(specs, functionSpec(f, file.path))
	}
	fns, err := function.New(specs, log.With("target", "function"))
	if err != nil {
		return nil, fmt.Errorf("config: %s: Functions: %w", file.path, err)
	}
	r := &target.Registry{}
	r.Register("lambda:function", fns)
	r.Register("events:api-destination", &apidest.Kind{Resolver: dests})
	r.Register("events:event-bus", bus.New(eng, cfg, place, bus.Options{}))
	r.Register("logs:log-group", logs.New(filepath.Join(o.DataDir, "logs"), logs.Options{}))
	r.Register("sqs", queues)
	return r, nil
}

// functionSpec is the function a config file declares; a relative command
// path and the working folder are the config file's folder, so that a file
// and its scripts move together.
func functionSpec(f config.Function, configPath string) function.Spec {
	s := function.Spec{
		Name:        f.Name,
		Command:     f.Command,
		URL:         f.Url,
		Environment: f.Environment,
		Timeout:     f.Timeout,
		Concurrency: f.Concurrency,
	}
	if len(f.Command) > 0 && configPath != "" {
		s.Dir = filepath.Dir(configPath)
	}
	return s
}
