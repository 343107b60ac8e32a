// cosigcheck is the "stock client" of the witness interoperability tests (issue 23): it uses only
// golang.org/x/mod/sumdb/note (signed notes, Ed25519 note keys) and filippo.io/torchwood
// (checkpoints, cosignature/v1), nothing written in this project.
//
//	cosigcheck verify  -note FILE -log VKEY... -witness VKEY...
//	    opens the signed note with the log's note keys and the witnesses' cosignature/v1 keys and
//	    prints one JSON line: origin, size, the names whose signatures verified.
//	cosigcheck submit  -url WITNESS -signer SKEY -witness VKEY -origin ORIGIN
//	    acts as a foreign C2SP log: signs checkpoints of a small tree of its own with SKEY, sends
//	    them to the witness's add-checkpoint (sizes 1, then 3 with a consistency proof), and checks
//	    each cosignature with torchwood's cosignature verifier; prints one JSON line.
package main

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"filippo.io/torchwood"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// publicOnly is a crypto.Signer holding only a public key: torchwood builds its cosignature/v1
// verifier from a signer, and a reader holds no private key.
type publicOnly ed25519.PublicKey

func (p publicOnly) Public() crypto.PublicKey { return ed25519.PublicKey(p) }
func (p publicOnly) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("a reader cannot sign")
}

// cosignatureVerifier parses a vkey `<name>+<hash>+<base64(0x04 || key)>` and returns torchwood's
// verifier, checking that the key hash torchwood computes is the one in the vkey.
func cosignatureVerifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("malformed witness vkey %q", vkey)
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 4 {
		return nil, fmt.Errorf("witness vkey %q is not of type 0x04 with a 32-byte key", vkey)
	}
	s, err := torchwood.NewCosignatureSigner(parts[0], publicOnly(raw[1:]))
	if err != nil {
		return nil, err
	}
	v := s.Verifier()
	if v.String() != vkey {
		return nil, fmt.Errorf("witness vkey %q: torchwood encodes it as %q", vkey, v.String())
	}
	return v, nil
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "cosigcheck: "+format+"\n", args...)
	os.Exit(1)
}

func verify(args []string) {
	fs := flag.NewFlagSet("verify", flag.ExitOnError)
	file := fs.String("note", "", "the signed note")
	var logKeys, witnessKeys multi
	fs.Var(&logKeys, "log", "a log note verifier key (repeatable)")
	fs.Var(&witnessKeys, "witness", "a witness cosignature/v1 verifier key (repeatable)")
	fs.Parse(args)
	msg, err := os.ReadFile(*file)
	if err != nil {
		fail("%v", err)
	}
	var verifiers []note.Verifier
	for _, k := range logKeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			fail("log key %q: %v", k, err)
		}
		verifiers = append(verifiers, v)
	}
	for _, k := range witnessKeys {
		v, err := cosignatureVerifier(k)
		if err != nil {
			fail("%v", err)
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		fail("note.Open: %v", err)
	}
	cp, err := torchwood.ParseCheckpoint(n.Text)
	if err != nil {
		fail("checkpoint: %v", err)
	}
	names := []string{}
	for _, s := range n.Sigs {
		names = append(names, s.Name)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"origin": cp.Origin, "size": cp.N, "verified": names, "unverified": len(n.UnverifiedSigs)})
}

func submit(args []string) {
	fs := flag.NewFlagSet("submit", flag.ExitOnError)
	url := fs.String("url", "", "the witness submission prefix")
	skey := fs.String("signer", "", "the log's note signer key (PRIVATE+KEY+...)")
	wkey := fs.String("witness", "", "the witness cosignature/v1 verifier key")
	origin := fs.String("origin", "", "the log origin")
	fs.Parse(args)
	signer, err := note.NewSigner(*skey)
	if err != nil {
		fail("signer: %v", err)
	}
	wv, err := cosignatureVerifier(*wkey)
	if err != nil {
		fail("%v", err)
	}
	// a tree of three entries of our own, hashed as RFC 6962 / 9162
	var hashes []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = hashes[x]
		}
		return out, nil
	})
	records := []string{"entry-0", "entry-1", "entry-2"}
	for i, r := range records {
		hs, err := tlog.StoredHashesForRecordHash(int64(i), tlog.RecordHash([]byte(r)), reader)
		if err != nil {
			fail("tree: %v", err)
		}
		hashes = append(hashes, hs...)
	}
	cosigned := []int64{}
	var old int64
	for _, size := range []int64{1, 3} {
		root, err := tlog.TreeHash(size, reader)
		if err != nil {
			fail("tree hash: %v", err)
		}
		text := torchwood.Checkpoint{Origin: *origin, Tree: tlog.Tree{N: size, Hash: root}}.String()
		signed, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			fail("sign: %v", err)
		}
		var body bytes.Buffer
		fmt.Fprintf(&body, "old %d\n", old)
		if old > 0 {
			proof, err := tlog.ProveTree(size, old, reader)
			if err != nil {
				fail("proof: %v", err)
			}
			for _, h := range proof {
				fmt.Fprintf(&body, "%s\n", base64.StdEncoding.EncodeToString(h[:]))
			}
		}
		body.WriteString("\n")
		body.Write(signed)
		res, err := http.Post(strings.TrimSuffix(*url, "/")+"/add-checkpoint", "text/plain", &body)
		if err != nil {
			fail("post: %v", err)
		}
		answer, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			fail("add-checkpoint size %d: %d %s", size, res.StatusCode, answer)
		}
		// the answer is signature lines; with the checkpoint text it is a note the witness key opens
		n, err := note.Open(append([]byte(text+"\n"), answer...), note.VerifierList(wv))
		if err != nil {
			fail("cosignature of size %d does not verify: %v", size, err)
		}
		ts, err := torchwood.CosignatureTimestamp(n.Sigs[0])
		if err != nil || ts <= 0 {
			fail("cosignature timestamp: %v", err)
		}
		cosigned = append(cosigned, size)
		old = size
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"cosigned": cosigned, "witness": wv.Name(), "origin": *origin, "count": strconv.Itoa(len(cosigned))})
}

func main() {
	if len(os.Args) < 2 {
		fail("usage: cosigcheck verify|submit ...")
	}
	switch os.Args[1] {
	case "verify":
		verify(os.Args[2:])
	case "submit":
		submit(os.Args[2:])
	default:
		fail("unknown command %q", os.Args[1])
	}
}
