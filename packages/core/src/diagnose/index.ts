// Public surface of this area; the package index re-exports everything here.
export { DIAGNOSIS_CAUSES, type Diagnosis, type DiagnosisCause, type DiagnosisConfidence } from './types';
export { diagnoseText } from './diagnoseText';
export { diagnose, type DiagnoseInput, type DiagnoseOptions } from './diagnose';
