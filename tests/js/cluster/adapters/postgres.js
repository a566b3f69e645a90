// The PostgreSQL adapter of the Node `cluster_node` (tests/js/cluster/node.js --adapter postgres): the
// official `@socket.io/postgres-adapter` over a `pg` Pool, with the attachments table its README creates.
//
//   const { adapter, close } = await createPostgresAdapter({ url, channelPrefix, onError });

"use strict";

const { Pool } = require("pg");
const { createAdapter } = require("@socket.io/postgres-adapter");

// The table as the official README creates it.
const CREATE_TABLE = `
  CREATE TABLE IF NOT EXISTS socket_io_attachments (
      id          bigserial UNIQUE,
      created_at  timestamptz DEFAULT NOW(),
      payload     bytea
  );
`;

async function createPostgresAdapter({ url, channelPrefix, onError }) {
  const pool = new Pool({ connectionString: url });
  pool.on("error", (err) => onError("postgres pool", err));
  try {
    await pool.query(CREATE_TABLE);
  } catch (err) {
    // Several nodes creating the table at the same moment: the losers get a unique violation on pg_type.
    if (err.code !== "23505" && err.code !== "42P07") throw err;
  }
  const adapter = createAdapter(pool, {
    channelPrefix,
    errorHandler: (err) => onError("postgres adapter", err),
  });
  return {
    adapter,
    close: () => pool.end(),
  };
}

module.exports = { createPostgresAdapter };
