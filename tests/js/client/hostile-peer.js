// The official client against a (hostile) server, for comparison with the Rust client's reports.
// Usage: node hostile-peer.js '<json: {url, transports, maxPayload?}>'; prints one line per event:
// "connect", "disconnect <reason>", "connect_error <message>"; exits after its second "connect".
const { io } = require("socket.io-client");

const cfg = JSON.parse(process.argv[2] || "{}");
const opts = {
  transports: cfg.transports || ["websocket"],
  reconnectionDelay: 100,
  reconnectionDelayMax: 200,
  randomizationFactor: 0,
  timeout: cfg.timeout || 3000,
  forceNew: true,
};
if (cfg.maxPayload) opts.maxPayload = cfg.maxPayload;
const socket = io(cfg.url, opts);
let connects = 0;
socket.on("connect", () => {
  console.log("connect");
  if (++connects === 2) {
    socket.disconnect();
    process.exit(0);
  }
});
socket.on("disconnect", (reason) => console.log(`disconnect ${reason}`));
socket.on("connect_error", (err) => console.log(`connect_error ${err.message}`));
setTimeout(() => process.exit(1), cfg.lifetime || 10000);
