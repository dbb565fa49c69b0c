"""The layer classes of ``tinygrad_book.nn``, split by kind; import them from ``nn``."""
from .activation import GELU, LeakyReLU, LogSigmoid, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .activation_extra import (
                               CELU,
                               ELU,
                               GLU,
                               SELU,
                               Hardsigmoid,
                               Hardswish,
                               Hardtanh,
                               Mish,
                               PReLU,
                               ReLU6,
                               SiLU,
                               Softmin,
                               Softplus,
                               Softsign,
                               Tanhshrink,
                               Threshold,
)
from .attention import MultiheadAttention, TransformerEncoder, TransformerEncoderLayer
from .container import ModuleList, Sequential
from .conv import Conv2d, ConvTranspose2d
from .conv1d import Conv1d
from .dict_containers import ModuleDict, ParameterDict, ParameterList
from .dropout import Dropout
from .embedding import Embedding
from .flatten import Flatten
from .layer_norm import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm
from .linear import Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .loss_extra import HuberLoss, KLDivLoss, L1Loss, SmoothL1Loss
from .module import Module, Parameter
from .normalization import BatchNorm1d, BatchNorm2d, LocalResponseNorm
from .pooling import (
                               AdaptiveAvgPool1d,
                               AdaptiveAvgPool2d,
                               AdaptiveMaxPool2d,
                               AvgPool1d,
                               AvgPool2d,
                               MaxPool1d,
                               MaxPool2d,
)
from .rnn import GRU, LSTM, RNN, RNNBase
from .rnn_cell import GRUCell, LSTMCell, RNNCell
from .upsample import Dropout1d, Dropout2d, Upsample

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList",
    "Identity", "Linear", "Conv2d", "ConvTranspose2d",
    "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
    "BatchNorm1d", "BatchNorm2d", "LocalResponseNorm", "Dropout", "Flatten",
    "ReLU", "LeakyReLU", "Sigmoid", "LogSigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss",
    "LayerNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d",
    "ELU", "SELU", "CELU", "SiLU", "Mish", "Softplus", "Softsign", "Hardtanh", "ReLU6",
    "Hardswish", "Hardsigmoid", "PReLU", "GLU", "Softmin", "Tanhshrink", "Threshold",
    "L1Loss", "SmoothL1Loss", "HuberLoss", "KLDivLoss",
    "Embedding", "ModuleDict", "ParameterList", "ParameterDict", "Conv1d",
    "RNNBase", "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell",
    "MaxPool1d", "AvgPool1d", "AdaptiveAvgPool1d", "AdaptiveMaxPool2d",
    "Upsample", "Dropout1d", "Dropout2d",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerEncoder",
]
