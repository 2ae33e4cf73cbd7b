package repomd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// RepoHTTP are a repository's network options, as dnf reads them from a
// .repo section or --setopt. The zero value is dnf's default: certificates
// verified against the system roots, the proxy from the environment.
type RepoHTTP struct {
	NoVerify      bool   // sslverify=0
	CACert        string // sslcacert: PEM file of the CAs to trust instead of the system's
	ClientCert    string // sslclientcert: PEM certificate presented to the server
	ClientKey     string // sslclientkey: its PEM key (default: in ClientCert)
	Proxy         string // proxy URL (default: from the environment)
	ProxyDisabled bool   // proxy=_none_ (dnf's spelling of "no proxy")
}

// SetRepoHTTP makes the requests of repoID use opts. Call it before that
// repository's first fetch; the files opts names are read now, and an
// error names the option, the file and what is wrong with it (the caller
// adds the repository).
func (f *Fetcher) SetRepoHTTP(repoID string, opts RepoHTTP) error {
	if opts == (RepoHTTP{}) {
		return nil
	}
	tr := newTransport()
	cfg := &tls.Config{InsecureSkipVerify: opts.NoVerify}
	if opts.CACert != "" {
		pem, err := os.ReadFile(opts.CACert)
		if err != nil {
			return fmt.Errorf("sslcacert: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("sslcacert %s: no PEM certificate in it", opts.CACert)
		}
		cfg.RootCAs = pool
	}
	if opts.ClientCert != "" || opts.ClientKey != "" {
		if opts.ClientCert == "" {
			return fmt.Errorf("sslclientkey %s without sslclientcert", opts.ClientKey)
		}
		key := opts.ClientKey
		if key == "" {
			key = opts.ClientCert
		}
		pair, err := tls.LoadX509KeyPair(opts.ClientCert, key)
		if err != nil {
			return fmt.Errorf("sslclientcert %s, sslclientkey %s: %w", opts.ClientCert, key, err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	tr.TLSClientConfig = cfg
	switch {
	case opts.ProxyDisabled:
		tr.Proxy = nil
	case opts.Proxy != "":
		u, err := url.Parse(opts.Proxy)
		if err != nil || u.Host == "" {
			return fmt.Errorf("proxy %q is not a URL with a host", opts.Proxy)
		}
		tr.Proxy = http.ProxyURL(u)
	}
	f.clientsMu.Lock()
	defer f.clientsMu.Unlock()
	if f.clients == nil {
		f.clients = map[string]*http.Client{}
	}
	f.clients[repoID] = &http.Client{Transport: tr}
	return nil
}

// clientFor returns the client for repoID's requests: its own when
// SetRepoHTTP gave it options, else the shared one.
func (f *Fetcher) clientFor(repoID string) (*http.Client, error) {
	f.clientsMu.Lock()
	c := f.clients[repoID]
	f.clientsMu.Unlock()
	if c != nil {
		return c, nil
	}
	return f.httpClient(), nil
}

func (f *Fetcher) httpClient() *http.Client {
	if f.Client != nil {
		return f.Client
	}
	f.clientOnce.Do(func() { f.defaultClient = &http.Client{Transport: newTransport()} })
	return f.defaultClient
}

// newTransport has sane timeouts for every phase before the body, which
// the stall timer and the minimum rate cover.
func newTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}
}

// isCertError reports whether err is a TLS certificate failure: ours
// rejecting the server's, or the server rejecting ours.
func isCertError(err error) bool {
	var verify *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var alert tls.AlertError
	return errors.As(err, &verify) || errors.As(err, &unknown) || errors.As(err, &host) ||
		errors.As(err, &invalid) || errors.As(err, &alert)
}
