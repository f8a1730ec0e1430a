// PostGraphile 5 as the benchmark's peer (tests/bench/run --postgraphile): the Amber preset, every
// table of the benchmark database's `public` schema, HTTP on loopback. The run passes the database and
// the port in the environment; everything else is PostGraphile's default, as a new project gets it.
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [
    makePgService({
      connectionString: process.env.BENCH_POSTGRAPHILE_DATABASE_URL,
      schemas: ["public"],
    }),
  ],
  grafserv: {
    host: "127.0.0.1",
    port: Number(process.env.BENCH_POSTGRAPHILE_PORT ?? 5678),
    graphiql: false,
  },
};

export default preset;
