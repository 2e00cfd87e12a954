// A small command line over typage (npm "age-encryption"), the independent age
// implementation posdiag's hybrid post-quantum recipients are checked against.
// Test and bench use only; it streams, so large files need little memory.
//
//   node age.mjs keygen [--x25519]         identity line, then recipient line
//   node age.mjs recipient IDENTITY_FILE   the recipient of each identity in the file
//   node age.mjs encrypt RECIPIENT...      stdin -> age file on stdout
//   node age.mjs decrypt IDENTITY_FILE     age file on stdin -> plaintext on stdout
import { readFileSync } from "node:fs";
import { Readable, Writable } from "node:stream";
import * as age from "age-encryption";

function keys(path) {
    return readFileSync(path, "utf8").split("\n").map((l) => l.trim())
        .filter((l) => l && !l.startsWith("#"));
}

async function pipe(stream) {
    await stream.pipeTo(Writable.toWeb(process.stdout));
}

const [command, ...args] = process.argv.slice(2);
const input = () => Readable.toWeb(process.stdin);

switch (command) {
    case "keygen": {
        const identity = args.includes("--x25519")
            ? await age.generateX25519Identity()
            : await age.generateHybridIdentity();
        process.stdout.write(`${identity}\n${await age.identityToRecipient(identity)}\n`);
        break;
    }
    case "recipient":
        for (const identity of keys(args[0])) {
            process.stdout.write(`${await age.identityToRecipient(identity)}\n`);
        }
        break;
    case "encrypt": {
        const e = new age.Encrypter();
        for (const r of args) e.addRecipient(r);
        await pipe(await e.encrypt(input()));
        break;
    }
    case "decrypt": {
        const d = new age.Decrypter();
        for (const identity of keys(args[0])) d.addIdentity(identity);
        await pipe(await d.decrypt(input()));
        break;
    }
    default:
        process.stderr.write("usage: age.mjs keygen|recipient|encrypt|decrypt ...\n");
        process.exit(2);
}
