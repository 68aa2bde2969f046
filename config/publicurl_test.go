package config

import (
	"os"
	"strings"
	"testing"
)

func TestDerivePublicURL(t *testing.T) {
	tests := []struct {
		listen, hostname, want string
	}{
		{"127.0.0.1:8287", "box", "http://127.0.0.1:8287"},
		{"127.0.0.1:9000", "box", "http://127.0.0.1:9000"},
		{"localhost:9000", "box", "http://localhost:9000"},
		{"192.0.2.7:9000", "box", "http://192.0.2.7:9000"},
		{"watch.example.org:80", "box", "http://watch.example.org"},
		{"[::1]:9000", "box", "http://[::1]:9000"},
		{"[fe80::1%eth0]:9000", "box", "http://[fe80::1%25eth0]:9000"},
		{"[2001:db8::7]:80", "box", "http://[2001:db8::7]"},
		{"0.0.0.0:9000", "box.example.org", "http://box.example.org:9000"},
		{":9000", "box", "http://box:9000"},
		{"[::]:9000", "box", "http://box:9000"},
		{"0.0.0.0:9000", "", "http://127.0.0.1:9000"},
		{"9000", "box", ""},
		{"", "box", ""},
	}
	for _, tc := range tests {
		t.Run(tc.listen+"/"+tc.hostname, func(t *testing.T) {
			if got := DerivePublicURL(tc.listen, tc.hostname); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The defect: public_url stayed http://127.0.0.1:8287 whatever listen
// said, so every Atom and email link pointed at a closed port.
func TestPublicURLFollowsListen(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name        string
		yaml        string
		env         map[string]string
		want        string
		wantDerived bool
	}{
		{"default", "", nil, DefaultPublicURL, true},
		{"listen in the file", "listen: 127.0.0.1:9000\n", nil, "http://127.0.0.1:9000", true},
		{"listen from the environment", "", map[string]string{"WATCH287G_LISTEN": "127.0.0.1:9100"}, "http://127.0.0.1:9100", true},
		{"wildcard listen", "listen: 0.0.0.0:9000\n", nil, DerivePublicURL("0.0.0.0:9000", host), true},
		{"explicit public_url kept", "listen: 0.0.0.0:9000\npublic_url: https://watch.example.org/287g\n", nil, "https://watch.example.org/287g", false},
		{"explicit default value kept", "listen: 127.0.0.1:9000\npublic_url: http://127.0.0.1:8287\n", nil, "http://127.0.0.1:8287", false},
		{"public_url from the environment", "listen: 127.0.0.1:9000\n", map[string]string{"WATCH287G_PUBLIC_URL": "https://w.example.org"}, "https://w.example.org", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeFile(t, tc.yaml), env(tc.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if cfg.PublicURL != tc.want || cfg.PublicURLDerived() != tc.wantDerived {
				t.Errorf("got public_url %q (derived %v), want %q (derived %v)", cfg.PublicURL, cfg.PublicURLDerived(), tc.want, tc.wantDerived)
			}
			if got := cfg.NotifyOptions().PublicURL; got != tc.want {
				t.Errorf("notify options: got public_url %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSetListen(t *testing.T) {
	cfg, err := Load("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetListen("127.0.0.1:9300")
	if cfg.Listen != "127.0.0.1:9300" || cfg.PublicURL != "http://127.0.0.1:9300" {
		t.Errorf("derived: got listen %q public_url %q, want 127.0.0.1:9300 and http://127.0.0.1:9300", cfg.Listen, cfg.PublicURL)
	}
	cfg, err = Load(writeFile(t, "public_url: https://watch.example.org\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	cfg.SetListen("127.0.0.1:9300")
	if cfg.PublicURL != "https://watch.example.org" {
		t.Errorf("explicit: got public_url %q, want https://watch.example.org kept", cfg.PublicURL)
	}
}

func TestBadListenReportedOnce(t *testing.T) {
	_, err := Load(writeFile(t, "listen: 8287\n"), env(nil))
	if err == nil {
		t.Fatal("got no error, want one for listen")
	}
	if strings.Contains(err.Error(), "public_url") {
		t.Errorf("got %q, want only listen named (public_url is derived from it)", err)
	}
}

func TestWarnings(t *testing.T) {
	smtp := "smtp: {host: localhost, from: a@example.org}\n"
	tests := []struct {
		name string
		yaml string
		n    int      // warnings
		want []string // substrings of them
	}{
		{"default", "", 0, nil},
		{"derived loopback, nobody notified", "listen: 127.0.0.1:9000\n", 0, nil},
		{"derived loopback with subscribers", smtp + "subscribers: [{email: a@example.org}]\n", 1, []string{"public_url: not set; links in emails and webhooks use http://127.0.0.1:8287, which opens only on this machine"}},
		{"derived from a wildcard", "listen: 0.0.0.0:9000\n", 1, []string{"public_url: not set; links use http://", "a guess from listen \"0.0.0.0:9000\""}},
		{"derived from port 0", "listen: 127.0.0.1:0\n", 1, []string{"picks its port at start"}},
		{"explicit public site", "listen: 0.0.0.0:9000\npublic_url: https://watch.example.org\n", 0, nil},
		{"explicit behind a proxy path", "public_url: https://example.org/watch287g/\n", 0, nil},
		{"loopback public_url, wildcard listen", "listen: 0.0.0.0:9000\npublic_url: http://127.0.0.1:9000\n", 1, []string{"opens only on this machine, but listen \"0.0.0.0:9000\" serves other machines"}},
		{"localhost public_url, address listen", "listen: 192.0.2.7:9000\npublic_url: http://localhost:9000\n", 1, []string{"opens only on this machine, but listen"}},
		{"wildcard public_url", "listen: 0.0.0.0:9000\npublic_url: http://0.0.0.0:9000\n", 1, []string{"names no host a reader can open"}},
		{"query in public_url", "public_url: https://example.org/?x=1\n", 1, []string{"has a query or fragment"}},
		{"fragment in public_url", "public_url: https://example.org/#top\n", 1, []string{"has a query or fragment"}},
		{"credentials in public_url", "public_url: https://user:hunter2@example.org/\n", 1, []string{"carries credentials"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Load(writeFile(t, tc.yaml), env(nil))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := cfg.Warnings()
			if len(got) != tc.n {
				t.Fatalf("got warnings %q, want %d containing %q", got, tc.n, tc.want)
			}
			joined := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(joined, w) {
					t.Errorf("got warnings %q, want one containing %q", got, w)
				}
			}
			if strings.Contains(joined, "hunter2") {
				t.Errorf("got warnings %q, want the password masked", got)
			}
		})
	}
}

// Every derived public_url is one Validate accepts.
func TestDerivedPublicURLValid(t *testing.T) {
	for _, listen := range []string{"127.0.0.1:9000", "[fe80::1%eth0]:9000", "[::]:80", ":9000", "localhost:80"} {
		t.Run(listen, func(t *testing.T) {
			cfg, err := Load(writeFile(t, "listen: \""+listen+"\"\n"), env(nil))
			if err != nil {
				t.Fatalf("Load: got %v, want none", err)
			}
			if !strings.HasPrefix(cfg.PublicURL, "http://") {
				t.Errorf("got public_url %q, want an http URL", cfg.PublicURL)
			}
		})
	}
}
