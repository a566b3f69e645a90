// The `ws` package (the websocket client under engine.io-client in Node) against a sio Engine.IO
// server, at the frame level: a fragmented text message, a binary message, a ping, then a close.
// Prints one JSON line with what it saw. Usage: node ws_frames.js <port>
"use strict";

const WebSocket = require("ws");

const port = Number(process.argv[2]);
const ws = new WebSocket(`ws://127.0.0.1:${port}/engine.io/?EIO=4&transport=websocket`);
const seen = { open: false, text: null, binary: null, pong: null, close: null };
const finish = () => {
  console.log(JSON.stringify(seen));
  process.exit(0);
};
setTimeout(finish, 10000);

ws.on("message", (data, isBinary) => {
  if (!seen.open) {
    seen.open = String(data).startsWith("0{");
    ws.send("4frag", { fin: false });
    ws.send("mented", { fin: false });
    ws.send(" é", { fin: true });
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.ping("are you there");
  } else if (isBinary) {
    seen.binary = [...data];
  } else {
    seen.text = String(data);
  }
  closeWhenDone();
});
ws.on("pong", (data) => {
  seen.pong = String(data);
  closeWhenDone();
});
function closeWhenDone() {
  if (seen.text !== null && seen.binary !== null && seen.pong !== null) ws.close(1000, "done");
}
ws.on("close", (code) => {
  seen.close = code;
  finish();
});
