// `@wif/core/diagnose`: the public surface of this area (a subpath export, off the root entry).
export { DIAGNOSIS_CAUSES, type Diagnosis, type DiagnosisCause, type DiagnosisConfidence } from './types';
export { diagnoseText } from './diagnoseText';
export { diagnose, checkDiagnoseInput, type DiagnoseInput, type DiagnoseOptions } from './diagnose';
