"use strict";
/** IPC messages between the load generator (parent) and a scenario's server process (child). */
Object.defineProperty(exports, "__esModule", { value: true });
