/** `npm run graph`: src/'s imports between folders (`a -> b(n)`: n imports from a into b), and any cycle. */
import { cycles, folderGraph, folderOf, printFolderGraph, readImports, SRC_ROOT } from "../test/support/import-graph.js";

const { files, imports } = readImports(SRC_ROOT);
console.log(printFolderGraph(folderGraph(imports, files)));
const local = imports.filter((i) => files.includes(i.to));
const folderEdges = local.map((i) => [folderOf(i.from), folderOf(i.to)] as const).filter(([a, b]) => a !== b);
console.log(`folder cycles: ${JSON.stringify(cycles(folderEdges))}`);
console.log(`file cycles: ${JSON.stringify(cycles(local.map((i) => [i.from, i.to] as const)))}`);
