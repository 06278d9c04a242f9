// Runs the BSI CSAF validator library's mandatory tests (CSAF 2.0 section 6.1) on one
// document read from standard input, and prints one JSON object on standard output:
//   {"isValid": bool, "errors": [{"test": "mandatoryTest_6_1_11", "instancePath": "/...",
//    "message": "..."}], "warnings": [...]}
// With --batch, standard input is a JSON array of documents and the output an array of
// such objects, in order: loading the library takes seconds, validating a document less.
// Accord runs it in a subprocess (accord.cvd.advisories.csaf_validator) with a timeout and
// a size cap. Only the mandatory tests run: they read the document alone. Before the
// library is loaded, every way out to the network or to another program is replaced by
// one that throws, so no test can reach either.
import childProcess from 'node:child_process'
import dns from 'node:dns'
import net from 'node:net'
import tls from 'node:tls'

const MAX_INPUT = 16 * 1024 * 1024

function refuse(what) {
  return () => {
    throw new Error(`the CSAF validator may not use ${what}`)
  }
}

function closeTheWayOut() {
  globalThis.fetch = refuse('the network')
  for (const name of ['connect', 'createConnection']) {
    net[name] = refuse('the network')
    tls[name] = refuse('the network')
  }
  net.Socket.prototype.connect = refuse('the network')
  dns.lookup = refuse('DNS')
  dns.promises.lookup = refuse('DNS')
  for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
    childProcess[name] = refuse('other programs')
  }
}

async function readStdin() {
  const chunks = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += chunk.length
    if (size > MAX_INPUT) throw new Error(`the document is larger than ${MAX_INPUT} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function main() {
  closeTheWayOut()
  if (process.argv[2] === '--self-test-network') {
    // Used by Accord's tests: shows the guard above holds.
    try {
      await fetch('http://127.0.0.1:9/')
      process.stdout.write(JSON.stringify({ network: 'reached' }))
    } catch (error) {
      process.stdout.write(JSON.stringify({ network: 'refused', message: String(error.message) }))
    }
    return
  }
  const batch = process.argv[2] === '--batch'
  const input = JSON.parse(await readStdin())
  if (batch && !Array.isArray(input)) throw new Error('--batch needs a JSON array of documents')
  const { default: validate } = await import('@secvisogram/csaf-validator-lib/validate.js')
  const mandatory = Object.values(await import('@secvisogram/csaf-validator-lib/mandatoryTests.js'))
  const results = []
  for (const document of batch ? input : [input]) {
    results.push(summarise(await validate(mandatory, document)))
  }
  process.stdout.write(JSON.stringify(batch ? results : results[0]))
}

function summarise(result) {
  const pick = (key) =>
    result.tests.flatMap((test) =>
      test[key].map((entry) => ({
        test: test.name,
        instancePath: entry.instancePath,
        message: entry.message,
      }))
    )
  return { isValid: result.isValid, errors: pick('errors'), warnings: pick('warnings') }
}

main().catch((error) => {
  process.stderr.write(`csaf validator: ${error.message}\n`)
  process.exit(2)
})
