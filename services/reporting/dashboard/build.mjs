// Vendors ECharts from node_modules into static/vendor, so the service serves it itself (no CDN).
// Run `npm ci && npm run build` after changing the pinned version; commit static/vendor with it.
import { copyFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const echarts = join(here, "node_modules", "echarts");
const vendor = join(here, "static", "vendor");
mkdirSync(vendor, { recursive: true });
copyFileSync(join(echarts, "dist", "echarts.min.js"), join(vendor, "echarts.min.js"));
copyFileSync(join(echarts, "LICENSE"), join(vendor, "echarts.LICENSE.txt"));
copyFileSync(join(echarts, "NOTICE"), join(vendor, "echarts.NOTICE.txt"));
const { version } = JSON.parse(readFileSync(join(echarts, "package.json"), "utf8"));
console.log(`vendored echarts ${version} into ${vendor}`);
