/** Hands the step vocabulary's parameter types (steps/parameters.ts) to cucumber. */
import { defineParameterType } from "@cucumber/cucumber";
import { PARAMETER_TYPES } from "./parameters";

for (const p of PARAMETER_TYPES) defineParameterType(p);
