//! burn tensors as [`TensorInput`]: the dtype mapping, nothing else.

use ::burn::tensor::kind::Basic;
use ::burn::tensor::{DType, Tensor, TensorData as BurnData};

use crate::error::{Error, Result};
use crate::proto::DataType;
use crate::tensor::{self, HostTensor, TensorData, TensorInput};

/// TensorFlow's `DataType` for a burn `DType`; `None` for the types TensorBoard's schema has
/// no name for (quantized floats). Booleans are `DT_BOOL`, burn's `Flex32` is `DT_FLOAT`.
pub fn data_type(dtype: DType) -> Option<DataType> {
    Some(match dtype {
        DType::F64 => DataType::DtDouble,
        DType::F32 | DType::Flex32 => DataType::DtFloat,
        DType::F16 => DataType::DtHalf,
        DType::BF16 => DataType::DtBfloat16,
        DType::I64 => DataType::DtInt64,
        DType::I32 => DataType::DtInt32,
        DType::I16 => DataType::DtInt16,
        DType::I8 => DataType::DtInt8,
        DType::U64 => DataType::DtUint64,
        DType::U32 => DataType::DtUint32,
        DType::U16 => DataType::DtUint16,
        DType::U8 => DataType::DtUint8,
        DType::Bool(_) => DataType::DtBool,
        DType::QFloat(_) => return None,
    })
}

fn burn_error(e: impl std::fmt::Display) -> Error {
    tensor::bad(
        "burn tensor",
        format!("reading the tensor into host memory failed: {e}"),
    )
}

/// The elements of `data`, row-major, in their own type where [`TensorData`] has it:
/// `u16` as `u32`, `u64` as `i64` (an element above `i64::MAX` is an error), booleans as
/// `u8` 0 and 1, `Flex32` and quantized floats as `f32`.
pub(crate) fn host_data(data: BurnData) -> Result<TensorData> {
    Ok(match data.dtype() {
        DType::F64 => TensorData::F64(data.try_into_vec().map_err(burn_error)?),
        DType::F32 => TensorData::F32(data.try_into_vec().map_err(burn_error)?),
        DType::F16 => TensorData::F16(data.try_into_vec().map_err(burn_error)?),
        DType::BF16 => TensorData::BF16(data.try_into_vec().map_err(burn_error)?),
        DType::I64 => TensorData::I64(data.try_into_vec().map_err(burn_error)?),
        DType::I32 => TensorData::I32(data.try_into_vec().map_err(burn_error)?),
        DType::I16 => TensorData::I16(data.try_into_vec().map_err(burn_error)?),
        DType::I8 => TensorData::I8(data.try_into_vec().map_err(burn_error)?),
        DType::U32 => TensorData::U32(data.try_into_vec().map_err(burn_error)?),
        DType::U8 => TensorData::U8(data.try_into_vec().map_err(burn_error)?),
        DType::U16 => {
            let v: Vec<u16> = data.try_into_vec().map_err(burn_error)?;
            TensorData::U32(v.into_iter().map(u32::from).collect())
        }
        DType::U64 => {
            let v: Vec<u64> = data.try_into_vec().map_err(burn_error)?;
            let v = v
                .into_iter()
                .map(i64::try_from)
                .collect::<std::result::Result<Vec<i64>, _>>()
                .map_err(|_| {
                    tensor::bad(
                        "burn tensor",
                        "a u64 element is above i64::MAX, which TensorBoard cannot hold".into(),
                    )
                })?;
            TensorData::I64(v)
        }
        DType::Bool(_) => TensorData::U8(data.try_into_vec_as::<u8>().map_err(burn_error)?),
        DType::Flex32 | DType::QFloat(_) => {
            TensorData::F32(data.try_into_vec_as::<f32>().map_err(burn_error)?)
        }
    })
}

/// Any burn tensor (float, int or bool, any rank, on any device): copied to host memory with
/// `try_to_data`, so a backend's read failure is an [`Error::InvalidInput`], not a panic.
/// The element types are mapped as the [`burn`](crate::burn) module says.
impl<const D: usize, K: Basic> TensorInput for Tensor<D, K> {
    fn to_host(&self) -> Result<HostTensor> {
        let data = self.try_to_data().map_err(burn_error)?;
        HostTensor::new(self.dims(), host_data(data)?)
    }
}
