// A TCP relay in front of a server that parses the websocket connections passing through it: the
// head of each answer, and every frame in both directions ({ dir, rsv1, opcode, len }), so that tests
// can read the RSV1 bit (permessage-deflate) on the wire.
import net from "node:net";

// Starts the relay to `host:port` on a free loopback port.
export async function tap(port, host = "127.0.0.1") {
  const heads = [];
  const frames = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    client.on("error", () => {});
    upstream.on("error", () => {});
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    let websocket = null;
    const parsers = { c2s: frameParser("c2s"), s2c: frameParser("s2c") };
    client.on("data", (d) => {
      if (websocket === null) websocket = /\r\nupgrade: websocket\r\n/i.test(d.toString("latin1"));
      if (websocket) parsers.c2s(d);
      upstream.write(d);
    });
    upstream.on("data", (d) => {
      if (websocket) parsers.s2c(d);
      client.write(d);
    });
  });
  function frameParser(dir) {
    let buf = Buffer.alloc(0);
    let inHead = true;
    return (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (inHead) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) return;
        if (dir === "s2c") heads.push(buf.subarray(0, end).toString("latin1"));
        buf = buf.subarray(end + 4);
        inHead = false;
      }
      for (;;) {
        if (buf.length < 2) return;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        if (buf[1] & 0x80) off += 4;
        if (buf.length < off + len) return;
        frames.push({ dir, rsv1: (buf[0] & 0x40) !== 0, opcode: buf[0] & 0x0f, len });
        buf = buf.subarray(off + len);
      }
    };
  }
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    heads,
    frames,
    // Data frames recorded while `fn` runs (the tap forwards a frame only after recording it).
    async during(fn) {
      const from = frames.length;
      const result = await fn();
      return { result, data: frames.slice(from).filter((f) => f.opcode === 1 || f.opcode === 2) };
    },
    close: () => server.close(),
  };
}
